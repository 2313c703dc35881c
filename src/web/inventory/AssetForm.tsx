/** Creating or editing an asset: one form; an edit sends only the fields that changed. */
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../api.ts';
import { dayToMs, msToDay } from '../shared/format.ts';
import { ErrorNote, useAction } from '../shared/ui.tsx';
import { ASSET_TYPES, CRITICALITIES, type Asset, type CustomValue, type Site } from './types.ts';

const TEXT_FIELDS = ['owner', 'location', 'serial', 'manufacturer', 'model', 'ip_address'] as const;
const MAX: Record<(typeof TEXT_FIELDS)[number], number> = { owner: 200, location: 200, serial: 120, manufacturer: 120, model: 120, ip_address: 64 };

interface Draft {
  name: string;
  type: string;
  criticality: number;
  site_id: string;
  business_impact: string;
  owner: string;
  location: string;
  serial: string;
  manufacturer: string;
  model: string;
  ip_address: string;
  warranty_end: string;
  tags: string;
  notes: string;
  custom: { key: string; value: string; kind: 'string' | 'number' | 'boolean' }[];
}

function draftOf(a: Asset | null): Draft {
  return {
    name: a?.name ?? '',
    type: a?.type ?? 'server',
    criticality: a?.criticality ?? 3,
    site_id: a?.site_id ?? '',
    business_impact: a?.business_impact ?? '',
    owner: a?.owner ?? '',
    location: a?.location ?? '',
    serial: a?.serial ?? '',
    manufacturer: a?.manufacturer ?? '',
    model: a?.model ?? '',
    ip_address: a?.ip_address ?? '',
    warranty_end: msToDay(a?.warranty_end),
    tags: (a?.tags ?? []).join(', '),
    notes: a?.notes ?? '',
    custom: Object.entries(a?.custom_fields ?? {}).map(([key, v]) => ({ key, value: String(v), kind: typeof v === 'number' ? 'number' : typeof v === 'boolean' ? 'boolean' : 'string' })),
  };
}

function customOf(d: Draft): Record<string, CustomValue> {
  const out: Record<string, CustomValue> = {};
  for (const c of d.custom) {
    const key = c.key.trim();
    if (!key) continue;
    // A field keeps the type it had: numbers stay numbers while they read as one.
    if (c.kind === 'number' && c.value.trim() !== '' && Number.isFinite(Number(c.value))) out[key] = Number(c.value);
    else if (c.kind === 'boolean' && (c.value === 'true' || c.value === 'false')) out[key] = c.value === 'true';
    else out[key] = c.value;
  }
  return out;
}

function bodyOf(d: Draft): Record<string, unknown> {
  const tags = [...new Set(d.tags.split(/[,|]/).map((s) => s.trim()).filter(Boolean))];
  return {
    name: d.name.trim(),
    type: d.type,
    criticality: d.criticality,
    site_id: d.site_id || null,
    business_impact: d.business_impact.trim(),
    ...Object.fromEntries(TEXT_FIELDS.map((f) => [f, d[f].trim()])),
    warranty_end: dayToMs(d.warranty_end),
    tags,
    custom_fields: customOf(d),
    notes: d.notes,
  };
}

/** The fields of `next` that differ from `prev` (JSON equality). */
function changed(prev: Record<string, unknown>, next: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(next).filter(([k, v]) => JSON.stringify(prev[k]) !== JSON.stringify(v)));
}

export function AssetForm({ clientId, asset, sites, onSaved, onCancel }: { clientId: string; asset: Asset | null; sites: Site[]; onSaved: (a: Asset) => void; onCancel: () => void }) {
  const { t } = useTranslation();
  const [d, setD] = useState<Draft>(() => draftOf(asset));
  const { busy, error, run } = useAction();
  const set = <K extends keyof Draft>(k: K, v: Draft[K]) => setD((x) => ({ ...x, [k]: v }));

  async function submit(e: FormEvent) {
    e.preventDefault();
    const body = bodyOf(d);
    if (asset) {
      const patch = changed(bodyOf(draftOf(asset)), body);
      if (Object.keys(patch).length === 0) return onCancel();
      const r = await run(() => api.patch<Asset>(`/clients/${clientId}/assets/${asset.id}`, patch));
      if (r) onSaved(r);
    } else {
      // On creation, leave out what is empty: the server's defaults apply.
      const create = Object.fromEntries(Object.entries(body).filter(([, v]) => v !== '' && v !== null && !(Array.isArray(v) && v.length === 0) && !(typeof v === 'object' && v !== null && !Array.isArray(v) && Object.keys(v).length === 0)));
      const r = await run(() => api.post<Asset>(`/clients/${clientId}/assets`, create));
      if (r) onSaved(r);
    }
  }

  return (
    <form onSubmit={submit} className="form-grid form-grid-3" data-testid="asset-form">
      <label className="field span-2">
        <span>{t('asset.name')} *</span>
        <input required maxLength={200} value={d.name} onChange={(e) => set('name', e.target.value)} data-testid="asset-name" />
      </label>
      <label className="field">
        <span>{t('asset.type')} *</span>
        <select value={d.type} onChange={(e) => set('type', e.target.value)} data-testid="asset-type">
          {ASSET_TYPES.map((x) => (
            <option key={x} value={x}>
              {t(`assetType.${x}`)}
            </option>
          ))}
        </select>
      </label>
      <label className="field">
        <span>{t('asset.criticality')}</span>
        <select value={d.criticality} onChange={(e) => set('criticality', Number(e.target.value))}>
          {CRITICALITIES.map((c) => (
            <option key={c} value={c}>
              C{c} — {t(`criticality.${c}`)}
            </option>
          ))}
        </select>
      </label>
      <label className="field">
        <span>{t('asset.site')}</span>
        <select value={d.site_id} onChange={(e) => set('site_id', e.target.value)}>
          <option value="">{t('asset.noSite')}</option>
          {sites.map((s) => (
            <option key={s.id} value={s.id}>
              {s.name}
            </option>
          ))}
        </select>
      </label>
      <label className="field">
        <span>{t('asset.warranty_end')}</span>
        <input type="date" value={d.warranty_end} onChange={(e) => set('warranty_end', e.target.value)} />
      </label>
      {TEXT_FIELDS.map((f) => (
        <label className="field" key={f}>
          <span>{t(`asset.${f}`)}</span>
          <input maxLength={MAX[f]} value={d[f]} onChange={(e) => set(f, e.target.value)} className={f === 'ip_address' || f === 'serial' ? 'mono' : undefined} />
        </label>
      ))}
      <label className="field span-all">
        <span>{t('asset.tags')}</span>
        <input value={d.tags} onChange={(e) => set('tags', e.target.value)} placeholder={t('asset.tagsHint')} />
      </label>
      <label className="field span-all">
        <span>{t('asset.business_impact')}</span>
        <textarea rows={2} maxLength={2000} value={d.business_impact} onChange={(e) => set('business_impact', e.target.value)} />
      </label>
      <label className="field span-all">
        <span>{t('asset.notes')}</span>
        <textarea rows={2} maxLength={10000} value={d.notes} onChange={(e) => set('notes', e.target.value)} />
      </label>
      <div className="field span-all">
        <span>{t('asset.custom_fields')}</span>
        <div className="kv-list">
          {d.custom.map((c, i) => (
            <div className="kv-row" key={i}>
              <input
                value={c.key}
                maxLength={64}
                placeholder={t('asset.customKey')}
                aria-label={t('asset.customKey')}
                onChange={(e) => set('custom', d.custom.map((x, j) => (j === i ? { ...x, key: e.target.value } : x)))}
              />
              <input
                value={c.value}
                maxLength={2000}
                placeholder={t('asset.customValue')}
                aria-label={t('asset.customValue')}
                onChange={(e) => set('custom', d.custom.map((x, j) => (j === i ? { ...x, value: e.target.value } : x)))}
              />
              <button type="button" className="icon" onClick={() => set('custom', d.custom.filter((_, j) => j !== i))} aria-label={t('common.remove')} title={t('common.remove')}>
                ×
              </button>
            </div>
          ))}
          <button type="button" className="small" onClick={() => set('custom', [...d.custom, { key: '', value: '', kind: 'string' }])}>
            {t('asset.addCustom')}
          </button>
        </div>
      </div>
      <div className="span-all">
        <ErrorNote error={error} />
      </div>
      <div className="form-actions span-all">
        <button type="submit" className="primary" disabled={busy} data-testid="asset-save">
          {asset ? t('common.save') : t('asset.create')}
        </button>
        <button type="button" onClick={onCancel}>
          {t('common.cancel')}
        </button>
      </div>
    </form>
  );
}
