/** Pickers of the service desk: several assets of the client; people and groups for assignment. */
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, qs } from '../api.ts';
import { useApiData, useDebounced } from '../shared/ui.tsx';
import type { Asset } from '../inventory/types.ts';
import type { ClientUser } from '../tenancy/roles.ts';
import type { SupportGroup } from './types.ts';

export interface PickedAsset {
  id: string;
  name: string;
  type?: string;
}

/** Chosen assets as removable chips, and a search to add more (the client's inventory can be long). */
export function AssetsPicker({ clientId, value, onChange, testId }: { clientId: string; value: PickedAsset[]; onChange: (v: PickedAsset[]) => void; testId?: string }) {
  const { t } = useTranslation();
  const [q, setQ] = useState('');
  const [open, setOpen] = useState(false);
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
  const chosen = new Set(value.map((a) => a.id));
  return (
    <div className="picker" data-testid={testId}>
      {value.length > 0 && (
        <div className="desk-chips">
          {value.map((a) => (
            <span key={a.id} className="chip" data-testid="picked-asset">
              {a.name}
              <button type="button" className="chip-x" onClick={() => onChange(value.filter((x) => x.id !== a.id))} aria-label={t('desk.form.removeAsset', { name: a.name })} title={t('common.remove')}>
                ×
              </button>
            </span>
          ))}
        </div>
      )}
      <input
        type="search"
        value={q}
        onChange={(e) => {
          setQ(e.target.value);
          setOpen(true);
        }}
        onFocus={() => setOpen(true)}
        placeholder={t('desk.form.searchAsset')}
        aria-label={t('desk.form.searchAsset')}
        data-testid="asset-search-input"
      />
      {open && (
        <ul className="picker-list">
          {results.length === 0 && <li className="muted">{dq.trim() ? t('desk.form.noAssetFound') : t('desk.form.noAssets')}</li>}
          {results.map((r) => (
            <li key={r.id}>
              <button
                type="button"
                disabled={chosen.has(r.id)}
                onClick={() => {
                  onChange([...value, { id: r.id, name: r.name, type: r.type }]);
                  setQ('');
                }}
                data-testid="asset-option"
              >
                <span>{r.name}</span>
                <span className="muted small-text">{t(`assetType.${r.type}`, { defaultValue: r.type })}</span>
              </button>
            </li>
          ))}
          <li>
            <button type="button" onClick={() => setOpen(false)}>
              <span className="muted">{t('common.close')}</span>
            </button>
          </li>
        </ul>
      )}
    </div>
  );
}

/** The people of a client (its own users, and the provider staff assigned to it), for staff only. */
export function usePeople(clientId: string, staff: boolean) {
  const users = useApiData<{ items: ClientUser[] }>(staff ? `/clients/${clientId}/users` : null);
  const groups = useApiData<{ items: SupportGroup[] }>(staff ? '/support-groups' : null);
  const all = (users.data?.items ?? []).filter((u) => !u.disabled);
  return {
    clientUsers: all.filter((u) => u.organisation_id === clientId),
    staffUsers: all.filter((u) => u.organisation_id !== clientId),
    groups: groups.data?.items ?? [],
    error: users.error ?? groups.error,
  };
}
