/** Searchable pickers for an asset or a check of the client (the lists can be long). */
import { useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, qs } from '../api.ts';
import { useDebounced } from '../shared/ui.tsx';
import type { Asset } from '../inventory/types.ts';
import { StateDot } from './common.tsx';
import type { BoardItem } from './types.ts';

export interface Picked {
  id: string;
  name: string;
  extra?: string | null;
}

function PickedRow({ picked, onClear, disabled, testId }: { picked: Picked; onClear: () => void; disabled?: boolean; testId?: string }) {
  const { t } = useTranslation();
  return (
    <div className="picked-row" data-testid={testId}>
      <span className="picked">{picked.name}</span>
      {picked.extra && <span className="muted small-text">{picked.extra}</span>}
      {!disabled && (
        <button type="button" className="link" onClick={onClear}>
          {t('relations.change')}
        </button>
      )}
    </div>
  );
}

export function AssetPicker({ clientId, value, onChange, disabled, testId }: { clientId: string; value: Picked | null; onChange: (a: (Picked & { ip?: string | null }) | null) => void; disabled?: boolean; testId?: string }) {
  const { t } = useTranslation();
  const [open, setOpen] = useState(false);
  const [q, setQ] = useState('');
  const dq = useDebounced(q, 200);
  const [results, setResults] = useState<Asset[]>([]);
  useEffect(() => {
    if (!open) return;
    let live = true;
    api.get<{ items: Asset[] }>(`/clients/${clientId}/assets${qs({ q: dq.trim(), limit: 8 })}`).then(
      (r) => live && setResults(r.items),
      () => live && setResults([]),
    );
    return () => {
      live = false;
    };
  }, [clientId, dq, open]);
  if (value && !open) return <PickedRow picked={value} disabled={disabled} onClear={() => setOpen(true)} testId={testId} />;
  if (!open) {
    return (
      <div className="picked-row" data-testid={testId}>
        <span className="muted">{t('mon.form.noAsset')}</span>
        {!disabled && (
          <button type="button" className="link" onClick={() => setOpen(true)}>
            {t('mon.form.chooseAsset')}
          </button>
        )}
      </div>
    );
  }
  return (
    <div className="picker">
      <input type="search" value={q} onChange={(e) => setQ(e.target.value)} placeholder={t('relations.searchAsset')} aria-label={t('relations.searchAsset')} autoFocus />
      <ul className="picker-list">
        <li>
          <button
            type="button"
            onClick={() => {
              onChange(null);
              setOpen(false);
            }}
          >
            <span className="muted">{t('mon.form.noAsset')}</span>
          </button>
        </li>
        {results.map((r) => (
          <li key={r.id}>
            <button
              type="button"
              onClick={() => {
                onChange({ id: r.id, name: r.name, extra: r.ip_address, ip: r.ip_address });
                setOpen(false);
              }}
            >
              <span>{r.name}</span>{' '}
              <span className="muted">
                {t(`assetType.${r.type}`, { defaultValue: r.type })}
                {r.ip_address ? ` · ${r.ip_address}` : ''}
              </span>
            </button>
          </li>
        ))}
      </ul>
    </div>
  );
}

/** Picks a check; the client's board (light rows) is loaded once, when the picker opens, and filtered here. */
export function CheckPicker({ clientId, value, onChange, exclude, noneLabel, testId }: { clientId: string; value: Picked | null; onChange: (c: Picked | null) => void; exclude?: string; noneLabel: string; testId?: string }) {
  const { t } = useTranslation();
  const [open, setOpen] = useState(false);
  const [q, setQ] = useState('');
  const [all, setAll] = useState<BoardItem[] | null>(null);
  useEffect(() => {
    if (!open || all) return;
    let live = true;
    api.get<{ items: BoardItem[] }>(`/clients/${clientId}/monitoring/board`).then(
      (r) => live && setAll(r.items),
      () => live && setAll([]),
    );
    return () => {
      live = false;
    };
  }, [clientId, open, all]);
  const shown = useMemo(() => {
    const needle = q.trim().toLowerCase();
    const out: BoardItem[] = [];
    for (const c of all ?? []) {
      if (c.check_id === exclude) continue;
      if (needle && !c.name.toLowerCase().includes(needle) && !(c.asset_name ?? '').toLowerCase().includes(needle)) continue;
      out.push(c);
      if (out.length >= 12) break;
    }
    return out;
  }, [all, q, exclude]);
  if (!open) {
    return value ? (
      <PickedRow picked={value} onClear={() => setOpen(true)} testId={testId} />
    ) : (
      <div className="picked-row" data-testid={testId}>
        <span className="muted">{noneLabel}</span>
        <button type="button" className="link" onClick={() => setOpen(true)}>
          {t('mon.form.chooseCheck')}
        </button>
      </div>
    );
  }
  return (
    <div className="picker">
      <input type="search" value={q} onChange={(e) => setQ(e.target.value)} placeholder={t('mon.form.searchCheck')} aria-label={t('mon.form.searchCheck')} autoFocus />
      <ul className="picker-list">
        <li>
          <button
            type="button"
            onClick={() => {
              onChange(null);
              setOpen(false);
            }}
          >
            <span className="muted">{noneLabel}</span>
          </button>
        </li>
        {all === null && <li className="muted">{t('common.loading')}</li>}
        {shown.map((c) => (
          <li key={c.check_id}>
            <button
              type="button"
              onClick={() => {
                onChange({ id: c.check_id, name: c.name, extra: c.asset_name ?? null });
                setOpen(false);
              }}
            >
              <span>
                <StateDot state={c.effective_state} /> {c.name}
              </span>{' '}
              <span className="muted">
                {t(`checkType.${c.type}`, { defaultValue: c.type })}
                {c.asset_name ? ` · ${c.asset_name}` : ''}
              </span>
            </button>
          </li>
        ))}
        {all !== null && shown.length === 0 && <li className="muted">{t('relations.noResult')}</li>}
      </ul>
    </div>
  );
}
