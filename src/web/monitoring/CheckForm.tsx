/**
 * Creating or editing a check: the common fields, then the fields of its type (names and defaults
 * from the probes' settings schemas), the whole settings as JSON for what the fields do not cover,
 * and the server's validation errors shown next to the field they name.
 */
import { useEffect, useMemo, useState, type FormEvent, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError, api } from '../api.ts';
import { CopyButton, ErrorNote, errorText, useAction, useApiData } from '../shared/ui.tsx';
import { AssetPicker, CheckPicker, type Picked } from './pickers.tsx';
import {
  COMPARISON_OPS,
  DNS_RECORD_TYPES,
  EXPORTERS,
  HTTP_METHODS,
  PRESET_DEFAULTS,
  PROM_AGGREGATES,
  PROM_PRESETS,
  SNMP_AUTH,
  SNMP_LEVELS,
  SNMP_MODES,
  SNMP_PRIV,
  cleanSettings,
  comparisonValue,
  defaultSettings,
  getAt,
  headersToText,
  hostOf,
  setAt,
  textToHeaders,
  withSnmpMode,
  type Settings,
} from './settings.ts';
import { CHECK_TYPES, type Check, type CheckType, type Collector } from './types.ts';

export interface CheckFormProps {
  clientId: string;
  /** null: a new check. */
  check: Check | null;
  /** A new check on this asset (from the asset page): its IP is the default host. */
  asset?: { id: string; name: string; ip_address: string | null } | null;
  parentName?: string | null;
  onSaved: (c: Check) => void;
  onCancel: () => void;
}

interface Issue {
  path: string;
  message: string;
}

const INTERVALS = [10, 30, 60, 120, 300, 600, 900, 1800, 3600];

/** A text box for a list ("2xx, 3xx" or one per line) that keeps what is being typed. */
function ListInput({ value, onChange, multiline, placeholder, id, invalid }: { value: unknown; onChange: (v: string[]) => void; multiline?: boolean; placeholder?: string; id?: string; invalid?: boolean }) {
  const arr = Array.isArray(value) ? (value as unknown[]).map(String) : [];
  const joined = arr.join(multiline ? '\n' : ', ');
  const [text, setText] = useState(joined);
  useEffect(() => {
    // follow outside changes (JSON editor, type change), not our own
    setText((t) => (split(t, multiline).join('|') === arr.join('|') ? t : joined));
  }, [joined]); // eslint-disable-line react-hooks/exhaustive-deps
  const change = (t: string) => {
    setText(t);
    onChange(split(t, multiline));
  };
  return multiline ? (
    <textarea id={id} rows={3} value={text} onChange={(e) => change(e.target.value)} placeholder={placeholder} aria-invalid={invalid || undefined} />
  ) : (
    <input id={id} value={text} onChange={(e) => change(e.target.value)} placeholder={placeholder} aria-invalid={invalid || undefined} />
  );
}

function split(t: string, multiline?: boolean): string[] {
  return t
    .split(multiline ? /\r?\n/ : /[,;\s]+/)
    .map((x) => x.trim())
    .filter(Boolean);
}

function HeadersInput({ value, onChange, invalid }: { value: unknown; onChange: (v: Record<string, string>) => void; invalid?: boolean }) {
  const [text, setText] = useState(() => headersToText(value));
  return (
    <textarea
      rows={2}
      className="mono"
      value={text}
      placeholder="Authorization: Bearer …"
      aria-invalid={invalid || undefined}
      onChange={(e) => {
        setText(e.target.value);
        onChange(textToHeaders(e.target.value));
      }}
    />
  );
}

/** The heartbeat URL, given once when the check is created, with what to run. */
export function HeartbeatUrl({ url }: { url: string }) {
  const { t } = useTranslation();
  const curl = `curl -fsS -m 10 --retry 3 "${url}"`;
  const failed = `curl -fsS -m 10 --retry 3 -d status=down -d "msg=rsync exit 23" "${url}"`;
  return (
    <div className="note note-secret" data-testid="heartbeat-url">
      <div className="secret-label">{t('mon.heartbeat.urlTitle')}</div>
      <div className="secret-row">
        <code className="secret">{url}</code>
        <CopyButton text={url} />
      </div>
      <div className="muted">{t('mon.heartbeat.curlHint')}</div>
      <div className="secret-row">
        <code className="secret">{curl}</code>
        <CopyButton text={curl} />
      </div>
      <div className="muted">{t('mon.heartbeat.failHint')}</div>
      <div className="secret-row">
        <code className="secret">{failed}</code>
        <CopyButton text={failed} />
      </div>
      <div className="muted">{t('mon.heartbeat.once')}</div>
    </div>
  );
}

export function CheckForm({ clientId, check, asset, parentName, onSaved, onCancel }: CheckFormProps) {
  const { t } = useTranslation();
  const isNew = check === null;
  const collectors = useApiData<{ items: Collector[] }>(`/clients/${clientId}/collectors`);
  const [name, setName] = useState(() => check?.name ?? (asset ? `${asset.name} · ${t('checkType.icmp')}` : ''));
  const [type, setType] = useState<CheckType>(check?.type ?? 'icmp');
  const [assetPick, setAssetPick] = useState<Picked | null>(
    check?.asset_id ? { id: check.asset_id, name: check.asset_name ?? asset?.name ?? check.asset_id } : asset ? { id: asset.id, name: asset.name, extra: asset.ip_address } : null,
  );
  const [collectorId, setCollectorId] = useState<string>(check?.collector_id ?? '');
  const [parent, setParent] = useState<Picked | null>(check?.parent_check_id ? { id: check.parent_check_id, name: parentName ?? check.parent_check_id } : null);
  const [intervalS, setIntervalS] = useState<number>(check?.interval_s ?? 60);
  const [timeoutMs, setTimeoutMs] = useState<number>(check?.timeout_ms ?? 10_000);
  const [retries, setRetries] = useState<number>(check?.retries ?? 2);
  const [recovery, setRecovery] = useState<number>(check?.recovery_threshold ?? 1);
  const [enabled, setEnabled] = useState<boolean>(check?.enabled ?? true);
  const [settings, setSettings] = useState<Settings>(() => check?.settings ?? defaultSettings('icmp', asset?.ip_address ?? ''));
  const [json, setJson] = useState<{ text: string; dirty: boolean; error: string | null }>({ text: '', dirty: false, error: null });
  const [created, setCreated] = useState<Check | null>(null);
  const { busy, error, setError, run } = useAction();

  useEffect(() => {
    setJson((j) => (j.dirty ? j : { text: JSON.stringify(settings, null, 2), dirty: false, error: null }));
  }, [settings]);

  function changeType(next: CheckType) {
    setType(next);
    setSettings(defaultSettings(next, hostOf(settings) || asset?.ip_address || ''));
    setError(null);
    if (!name.trim() || name === autoName(type)) setName(autoName(next));
  }

  function autoName(ty: CheckType): string {
    return assetPick ? `${assetPick.name} · ${t(`checkType.${ty}`)}` : '';
  }

  // ---------------------------------------------------------------- errors by field
  const issues = useMemo((): { settings: Issue[]; body: Issue[]; general: unknown } => {
    if (!(error instanceof ApiError)) return { settings: [], body: [], general: error };
    const details = Array.isArray(error.details) ? (error.details as Issue[]).filter((d) => d && typeof d.path === 'string') : [];
    if (error.id === 'invalid_settings') return { settings: details, body: [], general: null };
    if (error.id === 'validation_failed') {
      const s: Issue[] = [];
      const b: Issue[] = [];
      for (const d of details) {
        const p = d.path.replace(/^\//, '').replace(/\//g, '.');
        if (p.startsWith('settings.')) s.push({ path: p.slice(9), message: d.message });
        else b.push({ path: p, message: d.message });
      }
      return { settings: s, body: b, general: null };
    }
    const byId: Record<string, string> = {
      timeout_exceeds_interval: 'timeout_ms',
      unknown_asset: 'asset_id',
      unknown_collector: 'collector_id',
      unknown_check: 'parent_check_id',
      dependency_cycle: 'parent_check_id',
    };
    if (byId[error.id]) return { settings: [], body: [{ path: byId[error.id]!, message: errorText(t, error) }], general: null };
    return { settings: [], body: [], general: error };
  }, [error, t]);

  const shown = new Set<Issue>();
  /** The messages for a settings path (and what is under it), marked as shown. */
  function errS(path: string): string | null {
    const hit = issues.settings.filter((i) => i.path === path || i.path.startsWith(`${path}.`));
    hit.forEach((i) => shown.add(i));
    return hit.length ? hit.map((i) => i.message).join(' · ') : null;
  }
  function errB(path: string): string | null {
    const hit = issues.body.filter((i) => i.path === path || i.path.startsWith(`${path}.`));
    hit.forEach((i) => shown.add(i));
    return hit.length ? hit.map((i) => i.message).join(' · ') : null;
  }

  // ---------------------------------------------------------------- field builders (called inline, so errS marks what is shown)
  const get = (p: string) => getAt(settings, p);
  const set = (p: string, v: unknown) => setSettings((s) => setAt(s, p, v));

  function field(path: string, label: string, input: ReactNode, opts: { hint?: string; span?: 'all' | 2; err?: string | null; required?: boolean } = {}) {
    const e = opts.err === undefined ? errS(path) : opts.err;
    return (
      <label className={`field${opts.span === 'all' ? ' span-all' : opts.span === 2 ? ' span-2' : ''}${e ? ' has-error' : ''}`} key={path} data-field={path}>
        <span>
          {label}
          {opts.required && ' *'}
        </span>
        {input}
        {e && <span className="field-error">{e}</span>}
        {opts.hint && !e && <span className="field-hint">{opts.hint}</span>}
      </label>
    );
  }
  const text = (path: string, opts: { placeholder?: string; required?: boolean; mono?: boolean; span?: 'all' | 2; hint?: string; type?: string; label?: string } = {}) =>
    field(
      path,
      opts.label ?? t(`mon.f.${path.split('.').pop()}`),
      <input
        type={opts.type ?? 'text'}
        className={opts.mono ? 'mono' : undefined}
        value={(get(path) as string | undefined) ?? ''}
        placeholder={opts.placeholder}
        required={opts.required}
        autoComplete={opts.type === 'password' ? 'new-password' : 'off'}
        onChange={(e) => set(path, e.target.value === '' ? undefined : e.target.value)}
        data-testid={`setting-${path}`}
      />,
      { required: opts.required, span: opts.span, hint: opts.hint },
    );
  const num = (path: string, opts: { min?: number; max?: number; step?: number; required?: boolean; hint?: string; label?: string; placeholder?: string } = {}) =>
    field(
      path,
      opts.label ?? t(`mon.f.${path.split('.').pop()}`),
      <input
        type="number"
        value={typeof get(path) === 'number' ? (get(path) as number) : ''}
        min={opts.min}
        max={opts.max}
        step={opts.step ?? 'any'}
        required={opts.required}
        placeholder={opts.placeholder}
        onChange={(e) => set(path, e.target.value === '' ? undefined : Number(e.target.value))}
        data-testid={`setting-${path}`}
      />,
      { required: opts.required, hint: opts.hint },
    );
  const bool = (path: string, label?: string) => {
    const e = errS(path);
    return (
      <label className="check field-check" key={path} data-field={path}>
        <input type="checkbox" checked={get(path) === true} onChange={(ev) => set(path, ev.target.checked)} data-testid={`setting-${path}`} />
        {label ?? t(`mon.f.${path.split('.').pop()}`)}
        {e && <span className="field-error">{e}</span>}
      </label>
    );
  };
  const select = (path: string, options: readonly (string | readonly [string, string])[], opts: { label?: string; onChange?: (v: string) => void } = {}) =>
    field(
      path,
      opts.label ?? t(`mon.f.${path.split('.').pop()}`),
      <select value={String(get(path) ?? '')} onChange={(e) => (opts.onChange ? opts.onChange(e.target.value) : set(path, e.target.value))} data-testid={`setting-${path}`}>
        {options.map((o) => {
          const [v, l] = typeof o === 'string' ? [o, o] : o;
          return (
            <option key={v} value={v}>
              {l}
            </option>
          );
        })}
      </select>,
    );
  const latency = () => [num('latencyWarnMs', { min: 1, hint: t('mon.f.latencyWarnHint') }), num('latencyCritMs', { min: 1, hint: t('mon.f.latencyCritHint') })];
  const severity = (path: string) => select(path, [['down', t('monState.down')], ['degraded', t('monState.degraded')]] as const);

  // ---------------------------------------------------------------- per type
  function typeFields(): ReactNode {
    switch (type) {
      case 'icmp':
        return (
          <div className="form-grid form-grid-3">
            {text('host', { required: true, mono: true, placeholder: '192.0.2.10' })}
            {num('count', { min: 1, max: 20, step: 1 })}
            {num('fallbackPort', { min: 1, max: 65535, step: 1, hint: t('mon.f.fallbackPortHint') })}
            {num('lossWarnPercent', { min: 0, max: 100 })}
            {num('lossCritPercent', { min: 0, max: 100 })}
            <span />
            {latency()}
          </div>
        );
      case 'tcp':
        return (
          <div className="form-grid form-grid-3">
            {text('host', { required: true, mono: true, placeholder: '192.0.2.10' })}
            {num('port', { min: 1, max: 65535, step: 1, required: true, placeholder: '443' })}
            <span />
            {latency()}
          </div>
        );
      case 'http': {
        const method = String(get('method') ?? 'GET');
        return (
          <div className="form-grid form-grid-3">
            {text('url', { required: true, mono: true, span: 2, placeholder: 'https://intranet.example.fr/health' })}
            {select('method', HTTP_METHODS)}
            {field('expectedStatus', t('mon.f.expectedStatus'), <ListInput value={get('expectedStatus')} onChange={(v) => set('expectedStatus', v.length ? v : undefined)} placeholder="2xx, 3xx" />, { hint: t('mon.f.expectedStatusHint') })}
            {latency()}
            <fieldset className="subgroup span-all">
              <legend>{t('mon.f.keyword')}</legend>
              <div className="form-grid form-grid-3">
                {text('keyword.pattern', { label: t('mon.f.pattern'), span: 2, placeholder: t('mon.f.patternPlaceholder') })}
                {select('keyword.mode', [['present', t('mon.f.present')], ['absent', t('mon.f.absent')]] as const, {
                  label: t('mon.f.keywordMode'),
                  onChange: (v) => set('keyword', { ...((get('keyword') as object) ?? {}), mode: v }),
                })}
                {bool('keyword.regex', t('mon.f.regex'))}
                {bool('keyword.caseSensitive', t('mon.f.caseSensitive'))}
                {severity('keyword.severity')}
              </div>
            </fieldset>
            {field('headers', t('mon.f.headers'), <HeadersInput value={get('headers')} onChange={(v) => set('headers', v)} invalid={!!issues.settings.some((i) => i.path.startsWith('headers'))} />, { span: method === 'GET' || method === 'HEAD' ? 'all' : undefined, hint: t('mon.f.headersHint') })}
            {method !== 'GET' && method !== 'HEAD' && field('body', t('mon.f.body'), <textarea rows={2} className="mono" value={(get('body') as string) ?? ''} onChange={(e) => set('body', e.target.value === '' ? undefined : e.target.value)} />, { span: 2 })}
            <div className="checks span-all">
              {bool('followRedirects')}
              {bool('ignoreTlsErrors')}
            </div>
          </div>
        );
      }
      case 'tls':
        return (
          <div className="form-grid form-grid-3">
            {text('host', { required: true, mono: true, placeholder: 'intranet.example.fr' })}
            {num('port', { min: 1, max: 65535, step: 1 })}
            {text('servername', { mono: true, hint: t('mon.f.servernameHint') })}
            {num('warnDays', { min: 0, max: 3650, hint: t('mon.f.warnDaysHint') })}
            {num('critDays', { min: 0, max: 3650, hint: t('mon.f.critDaysHint') })}
            <span />
            {latency()}
            <div className="checks span-all">
              {bool('verifyChain')}
              {bool('verifyHostname')}
            </div>
          </div>
        );
      case 'dns':
        return (
          <div className="form-grid form-grid-3">
            {text('name', { required: true, mono: true, placeholder: 'www.example.fr', label: t('mon.f.dnsName') })}
            {select('recordType', DNS_RECORD_TYPES)}
            {text('server', { mono: true, placeholder: '192.0.2.53:53', hint: t('mon.f.serverHint') })}
            {field('expected', t('mon.f.expected'), <ListInput multiline value={get('expected')} onChange={(v) => set('expected', v)} placeholder="192.0.2.10" />, { span: 2, hint: t('mon.f.expectedHint') })}
            {select('match', [['exact', t('mon.f.matchExact')], ['contains', t('mon.f.matchContains')]] as const)}
            {latency()}
            <div className="checks">{bool('emptyIsDown')}</div>
          </div>
        );
      case 'snmp':
        return snmpFields();
      case 'prometheus':
        return promFields();
      case 'heartbeat':
        return (
          <div className="form-grid form-grid-3">
            {num('grace_s', { min: 0, max: 86400, step: 1, hint: t('mon.f.graceHint') })}
            <p className="muted small-text span-2">{t('mon.heartbeat.explain', { interval: intervalS })}</p>
          </div>
        );
    }
  }

  function snmpFields(): ReactNode {
    const version = String(get('credentials.version') ?? '2c');
    const mode = (String(get('mode') ?? 'system') as (typeof SNMP_MODES)[number]);
    const level = String(get('credentials.level') ?? 'authPriv');
    const ifKey = get('ifIndex') !== undefined ? 'ifIndex' : get('ifDescr') !== undefined ? 'ifDescr' : 'ifName';
    return (
      <>
        <div className="form-grid form-grid-3">
        {text('host', { required: true, mono: true, placeholder: '192.0.2.1' })}
        {num('port', { min: 1, max: 65535, step: 1 })}
        {select('credentials.version', [['2c', 'v2c'], ['3', 'v3']] as const, {
          label: t('mon.f.snmpVersion'),
          onChange: (v) => set('credentials', v === '3' ? { version: '3', user: '', level: 'authPriv', authProtocol: 'sha', privProtocol: 'aes' } : { version: '2c', community: 'public' }),
        })}
        {version === '2c' ? (
          text('credentials.community', { required: true, mono: true })
        ) : (
          <>
            {text('credentials.user', { required: true, mono: true })}
            {select('credentials.level', SNMP_LEVELS.map((l) => [l, t(`mon.f.level_${l}`)] as const), { label: t('mon.f.level') })}
            {text('credentials.context', { mono: true })}
            {level !== 'noAuthNoPriv' && select('credentials.authProtocol', SNMP_AUTH.map((a) => [a, a.toUpperCase()] as const))}
            {level !== 'noAuthNoPriv' && text('credentials.authKey', { type: 'password', required: true, hint: t('mon.f.keyHint') })}
            {level !== 'noAuthNoPriv' && <span />}
            {level === 'authPriv' && select('credentials.privProtocol', SNMP_PRIV.map((a) => [a, a.toUpperCase()] as const))}
            {level === 'authPriv' && text('credentials.privKey', { type: 'password', required: true, hint: t('mon.f.keyHint') })}
            {level === 'authPriv' && <span />}
          </>
        )}
        </div>
        <div className="form-grid form-grid-3 mt">
        {select('mode', SNMP_MODES.map((m) => [m, t(`mon.f.mode_${m}`)] as const), { label: t('mon.f.snmpMode'), onChange: (v) => setSettings((s) => withSnmpMode(s, v as (typeof SNMP_MODES)[number])) })}
        {latency()}
        {mode === 'system' && (
          <>
            {num('cpuWarnPercent', { min: 0, max: 100 })}
            {num('cpuCritPercent', { min: 0, max: 100 })}
            <span />
            {num('memoryWarnPercent', { min: 0, max: 100 })}
            {num('memoryCritPercent', { min: 0, max: 100 })}
          </>
        )}
        {mode === 'interface' && (
          <>
            {field(
              ifKey,
              t('mon.f.interface'),
              <div className="row nowrap-row">
                <select
                  className="compact"
                  value={ifKey}
                  aria-label={t('mon.f.interfaceBy')}
                  onChange={(e) => {
                    const k = e.target.value;
                    setSettings((s) => {
                      const { ifIndex: _a, ifName: _b, ifDescr: _c, ...rest } = s;
                      return { ...rest, [k]: k === 'ifIndex' ? 1 : '' };
                    });
                  }}
                >
                  <option value="ifName">ifName</option>
                  <option value="ifIndex">ifIndex</option>
                  <option value="ifDescr">ifDescr</option>
                </select>
                <input
                  className="mono grow"
                  type={ifKey === 'ifIndex' ? 'number' : 'text'}
                  value={(get(ifKey) as string | number | undefined) ?? ''}
                  placeholder={ifKey === 'ifIndex' ? '1' : 'eth0, Gi0/1'}
                  onChange={(e) => set(ifKey, ifKey === 'ifIndex' ? (e.target.value === '' ? undefined : Number(e.target.value)) : e.target.value)}
                  data-testid="setting-interface"
                />
              </div>,
              { err: errS('ifIndex') ?? errS('ifName') ?? errS('ifDescr') },
            )}
            {num('utilizationWarnPercent', { min: 0, max: 1000 })}
            {num('utilizationCritPercent', { min: 0, max: 1000 })}
            <div className="checks span-all">{bool('adminDownIsUp')}</div>
          </>
        )}
        {mode === 'get' && oidsEditor()}
        </div>
      </>
    );
  }

  function comparisonInputs(path: string) {
    const cmp = get(path) as { op?: string; value?: unknown } | undefined;
    return (
      <span className="cmp">
        <select
          className="compact"
          value={cmp?.op ?? ''}
          onChange={(e) => set(path, e.target.value === '' ? undefined : { op: e.target.value, value: cmp?.value ?? 0 })}
          aria-label={t('mon.f.operator')}
        >
          <option value="">—</option>
          {COMPARISON_OPS.map((o) => (
            <option key={o} value={o}>
              {o}
            </option>
          ))}
        </select>
        <input
          className="cmp-value"
          value={cmp?.value === undefined ? '' : String(cmp.value)}
          disabled={!cmp?.op}
          onChange={(e) => set(path, { op: cmp?.op ?? '==', value: comparisonValue(e.target.value) })}
          aria-label={t('mon.f.threshold')}
        />
      </span>
    );
  }

  function oidsEditor(): ReactNode {
    const oids = (Array.isArray(get('oids')) ? get('oids') : []) as Record<string, unknown>[];
    const e = errS('oids');
    return (
      <div className="span-all subgroup-plain" data-field="oids">
        <table className="table table-plain table-edit">
          <thead>
            <tr>
              <th>{t('mon.f.oid')}</th>
              <th>{t('mon.f.label')}</th>
              <th>{t('mon.f.degradedIf')}</th>
              <th>{t('mon.f.downIf')}</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {oids.map((o, i) => (
              <tr key={i}>
                <td>
                  <input className="mono" value={String(o.oid ?? '')} onChange={(ev) => set(`oids.${i}.oid`, ev.target.value)} placeholder="1.3.6.1.2.1.1.3.0" aria-label={t('mon.f.oid')} />
                </td>
                <td>
                  <input value={String(o.label ?? '')} onChange={(ev) => set(`oids.${i}.label`, ev.target.value || undefined)} aria-label={t('mon.f.label')} />
                </td>
                <td>{comparisonInputs(`oids.${i}.degradedIf`)}</td>
                <td>{comparisonInputs(`oids.${i}.downIf`)}</td>
                <td className="right">
                  <button type="button" className="icon" onClick={() => set('oids', oids.filter((_, j) => j !== i))} aria-label={t('common.remove')} title={t('common.remove')}>
                    ×
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {e && <span className="field-error">{e}</span>}
        <button type="button" className="small" onClick={() => set('oids', [...oids, { oid: '' }])}>
          {t('mon.f.addOid')}
        </button>
      </div>
    );
  }

  function promFields(): ReactNode {
    const rules = (Array.isArray(get('rules')) ? get('rules') : []) as Record<string, unknown>[];
    const url = String(get('url') ?? '');
    let exporter = 'custom';
    for (const [k, port] of Object.entries(EXPORTERS)) if (new RegExp(`:${port}/metrics$`).test(url)) exporter = k;
    const host = hostOf(settings) || asset?.ip_address || 'host';
    const presetIndex = (kind: string) => rules.findIndex((r) => r.kind === kind);
    return (
      <div className="form-grid form-grid-3">
        {field(
          'exporter',
          t('mon.f.exporter'),
          <select
            value={exporter}
            onChange={(e) => {
              const port = EXPORTERS[e.target.value as keyof typeof EXPORTERS];
              if (port) set('url', `http://${host}:${port}/metrics`);
            }}
            data-testid="setting-exporter"
          >
            <option value="node_exporter">node_exporter (Linux, 9100)</option>
            <option value="windows_exporter">windows_exporter (Windows, 9182)</option>
            <option value="custom">{t('mon.f.exporterOther')}</option>
          </select>,
          { err: null },
        )}
        {text('url', { required: true, mono: true, span: 2, placeholder: 'http://192.0.2.10:9100/metrics' })}
        <fieldset className="subgroup span-all" data-field="rules">
          <legend>{t('mon.f.presets')}</legend>
          {PROM_PRESETS.map((kind) => {
            const i = presetIndex(kind);
            const on = i >= 0;
            const e = on ? errS(`rules.${i}`) : null;
            return (
              <div className="preset-row" key={kind}>
                <label className="check">
                  <input
                    type="checkbox"
                    checked={on}
                    onChange={(ev) => set('rules', ev.target.checked ? [...rules, { ...PRESET_DEFAULTS[kind] }] : rules.filter((r) => r.kind !== kind))}
                    data-testid={`preset-${kind}`}
                  />
                  {t(`mon.preset.${kind}`)}
                </label>
                {on && (
                  <span className="preset-params">
                    {kind === 'disk_free_percent' && (
                      <>
                        <PresetNum label={t('mon.f.mountpoint')} text value={rules[i]!.mountpoint} onChange={(v) => set(`rules.${i}.mountpoint`, v)} placeholder="/, C:" />
                        <PresetNum label={t('mon.f.degradedBelow')} value={rules[i]!.degradedBelow} onChange={(v) => set(`rules.${i}.degradedBelow`, v)} suffix="%" />
                        <PresetNum label={t('mon.f.downBelow')} value={rules[i]!.downBelow} onChange={(v) => set(`rules.${i}.downBelow`, v)} suffix="%" />
                      </>
                    )}
                    {kind === 'memory_available_percent' && (
                      <>
                        <PresetNum label={t('mon.f.degradedBelow')} value={rules[i]!.degradedBelow} onChange={(v) => set(`rules.${i}.degradedBelow`, v)} suffix="%" />
                        <PresetNum label={t('mon.f.downBelow')} value={rules[i]!.downBelow} onChange={(v) => set(`rules.${i}.downBelow`, v)} suffix="%" />
                      </>
                    )}
                    {kind === 'load1_per_cpu' && (
                      <>
                        <PresetNum label={t('mon.f.degradedAbove')} value={rules[i]!.degradedAbove} onChange={(v) => set(`rules.${i}.degradedAbove`, v)} />
                        <PresetNum label={t('mon.f.downAbove')} value={rules[i]!.downAbove} onChange={(v) => set(`rules.${i}.downAbove`, v)} />
                      </>
                    )}
                    {kind === 'apt_upgrades_pending' && (
                      <>
                        <PresetNum label={t('mon.f.degradedAbove')} value={rules[i]!.degradedAbove} onChange={(v) => set(`rules.${i}.degradedAbove`, v)} />
                        <PresetNum label={t('mon.f.downAbove')} value={rules[i]!.downAbove} onChange={(v) => set(`rules.${i}.downAbove`, v)} />
                        <PresetNum label={t('mon.f.securityDownAbove')} value={rules[i]!.securityDownAbove} onChange={(v) => set(`rules.${i}.securityDownAbove`, v)} />
                      </>
                    )}
                    {kind === 'reboot_required' && (
                      <label className="field-inline">
                        {t('mon.f.severity')}
                        <select className="compact" value={String(rules[i]!.severity ?? 'degraded')} onChange={(ev) => set(`rules.${i}.severity`, ev.target.value)}>
                          <option value="degraded">{t('monState.degraded')}</option>
                          <option value="down">{t('monState.down')}</option>
                        </select>
                      </label>
                    )}
                  </span>
                )}
                {e && <span className="field-error">{e}</span>}
              </div>
            );
          })}
        </fieldset>
        <fieldset className="subgroup span-all">
          <legend>{t('mon.f.metricRules')}</legend>
          {rules.map((r, i) =>
            r.kind !== 'metric' ? null : (
              <div className="metric-row" key={i}>
                <input className="mono grow" value={String(r.selector ?? '')} placeholder={'node_systemd_unit_state{name="nginx.service",state="active"}'} onChange={(ev) => set(`rules.${i}.selector`, ev.target.value)} aria-label={t('mon.f.selector')} />
                <select className="compact" value={String(r.aggregate ?? 'each')} onChange={(ev) => set(`rules.${i}.aggregate`, ev.target.value)} aria-label={t('mon.f.aggregate')}>
                  {PROM_AGGREGATES.map((a) => (
                    <option key={a} value={a}>
                      {t(`mon.f.agg_${a}`)}
                    </option>
                  ))}
                </select>
                <span className="muted small-text">{t('monState.degraded')}</span>
                {comparisonInputs(`rules.${i}.degradedIf`)}
                <span className="muted small-text">{t('monState.down')}</span>
                {comparisonInputs(`rules.${i}.downIf`)}
                <button type="button" className="icon" onClick={() => set('rules', rules.filter((_, j) => j !== i))} aria-label={t('common.remove')} title={t('common.remove')}>
                  ×
                </button>
                {errS(`rules.${i}`) && <span className="field-error span-all">{errS(`rules.${i}`)}</span>}
              </div>
            ),
          )}
          <button type="button" className="small" onClick={() => set('rules', [...rules, { kind: 'metric', selector: '', aggregate: 'each' }])}>
            {t('mon.f.addMetric')}
          </button>
        </fieldset>
        {latency()}
      </div>
    );
  }

  // ---------------------------------------------------------------- submit
  async function submit(e: FormEvent) {
    e.preventDefault();
    let s = settings;
    if (json.dirty) {
      try {
        s = JSON.parse(json.text) as Settings;
        setSettings(s);
        setJson({ text: json.text, dirty: false, error: null });
      } catch (err) {
        setJson((j) => ({ ...j, error: String(err) }));
        return;
      }
    }
    const body = {
      name: name.trim(),
      asset_id: assetPick?.id ?? null,
      collector_id: collectorId || null,
      parent_check_id: parent?.id ?? null,
      settings: cleanSettings(s),
      interval_s: intervalS,
      timeout_ms: timeoutMs,
      retries,
      recovery_threshold: recovery,
      enabled,
    };
    const saved = await run(() => (isNew ? api.post<Check>(`/clients/${clientId}/checks`, { ...body, type }) : api.patch<Check>(`/clients/${clientId}/checks/${check.id}`, body)));
    if (!saved) return;
    if (saved.heartbeat_url) setCreated(saved);
    else onSaved(saved);
  }

  if (created?.heartbeat_url) {
    return (
      <div className="stack" data-testid="check-created">
        <div className="note note-ok">{t('mon.form.created', { name: created.name })}</div>
        <HeartbeatUrl url={created.heartbeat_url} />
        <div className="form-actions">
          <button type="button" className="primary" onClick={() => onSaved(created)}>
            {t('common.done')}
          </button>
        </div>
      </div>
    );
  }

  const typeBlock = typeFields();
  const generalErrors = [...issues.body.filter((i) => !['name', 'interval_s', 'timeout_ms', 'retries', 'recovery_threshold', 'asset_id', 'collector_id', 'parent_check_id'].includes(i.path.split('.')[0]!))];
  const activeCollectors = (collectors.data?.items ?? []).filter((c) => !c.revoked_at || c.id === collectorId);

  const form = (
    <form className="check-form stack" onSubmit={submit} data-testid="check-form" noValidate>
      <fieldset className="subgroup">
        <legend>{t('mon.form.general')}</legend>
        <div className="form-grid form-grid-3">
          {field('name', t('mon.f.checkName'), <input value={name} onChange={(e) => setName(e.target.value)} required maxLength={200} data-testid="check-name" />, { required: true, span: 2, err: errB('name') })}
          {field(
            'type',
            t('mon.f.type'),
            <select value={type} onChange={(e) => changeType(e.target.value as CheckType)} disabled={!isNew} data-testid="check-type">
              {CHECK_TYPES.map((ty) => (
                <option key={ty} value={ty}>
                  {t(`checkType.${ty}`)}
                </option>
              ))}
            </select>,
            { err: errB('type'), hint: t(`mon.typeHint.${type}`) },
          )}
          {field('asset_id', t('mon.f.asset'), <AssetPicker clientId={clientId} value={assetPick} onChange={(a) => setAssetPick(a)} testId="check-asset" />, { err: errB('asset_id') })}
          {field(
            'collector_id',
            t('mon.f.collector'),
            <select value={collectorId} onChange={(e) => setCollectorId(e.target.value)} disabled={type === 'heartbeat'} data-testid="check-collector">
              <option value="">{t('mon.form.serverRuns')}</option>
              {activeCollectors.map((c) => (
                <option key={c.id} value={c.id}>
                  {c.name}
                </option>
              ))}
            </select>,
            { err: errB('collector_id') },
          )}
          {field('parent_check_id', t('mon.f.parent'), <CheckPicker clientId={clientId} value={parent} onChange={setParent} exclude={check?.id} noneLabel={t('mon.form.noParent')} testId="check-parent" />, {
            err: errB('parent_check_id'),
            hint: t('mon.f.parentHint'),
          })}
        </div>
        <div className="form-grid form-grid-5 mt">
          {field(
            'interval_s',
            t('mon.f.interval'),
            <select value={String(intervalS)} onChange={(e) => setIntervalS(Number(e.target.value))} data-testid="check-interval">
              {[...new Set([...INTERVALS, intervalS])]
                .sort((a, b) => a - b)
                .map((s) => (
                  <option key={s} value={s}>
                    {s < 60 ? t('mon.every.s', { count: s }) : s < 3600 ? t('mon.every.min', { count: s / 60 }) : t('mon.every.h', { count: s / 3600 })}
                  </option>
                ))}
            </select>,
            { err: errB('interval_s') },
          )}
          {field(
            'timeout_ms',
            t('mon.f.timeout'),
            <input type="number" min={0.1} max={120} step={0.1} value={timeoutMs / 1000} onChange={(e) => setTimeoutMs(Math.round(Number(e.target.value) * 1000))} data-testid="check-timeout" />,
            { err: errB('timeout_ms') },
          )}
          {field('retries', t('mon.f.retries'), <input type="number" min={0} max={10} step={1} value={retries} onChange={(e) => setRetries(Number(e.target.value))} />, { err: errB('retries'), hint: t('mon.f.retriesHint') })}
          {field('recovery_threshold', t('mon.f.recovery'), <input type="number" min={1} max={10} step={1} value={recovery} onChange={(e) => setRecovery(Number(e.target.value))} />, {
            err: errB('recovery_threshold'),
            hint: t('mon.f.recoveryHint'),
          })}
          <label className="check field-check">
            <input type="checkbox" checked={enabled} onChange={(e) => setEnabled(e.target.checked)} data-testid="check-enabled" />
            {t('mon.f.enabled')}
          </label>
        </div>
      </fieldset>
      <fieldset className="subgroup" data-testid={`settings-${type}`}>
        <legend>{t('mon.form.settingsOf', { type: t(`checkType.${type}`) })}</legend>
        {typeBlock}
      </fieldset>
      <details className="advanced">
        <summary>{t('mon.form.advanced')}</summary>
        <p className="muted small-text">{t('mon.form.advancedHint')}</p>
        <textarea className="mono json-edit" rows={8} value={json.text} onChange={(e) => setJson({ text: e.target.value, dirty: true, error: null })} spellCheck={false} data-testid="check-settings-json" aria-label={t('mon.form.advanced')} />
        <div className="row">
          <button
            type="button"
            className="small"
            disabled={!json.dirty}
            onClick={() => {
              try {
                const s = JSON.parse(json.text) as Settings;
                if (!s || typeof s !== 'object' || Array.isArray(s)) throw new Error(t('mon.form.jsonObject'));
                setJson({ text: json.text, dirty: false, error: null });
                setSettings(s);
              } catch (err) {
                setJson((j) => ({ ...j, error: err instanceof Error ? err.message : String(err) }));
              }
            }}
          >
            {t('mon.form.applyJson')}
          </button>
          {json.error && <span className="field-error">{json.error}</span>}
        </div>
      </details>
      {/* errors not shown next to a field */}
      <ErrorNote error={issues.general} testId="check-form-error" />
      {(issues.settings.length > 0 || generalErrors.length > 0) && (
        <div className="note note-error" role="alert" data-testid="check-form-error">
          <div>
            {t('mon.form.fixFields')}
            {[...issues.settings.filter((i) => !shown.has(i)), ...generalErrors.filter((i) => !shown.has(i))].map((i, k) => (
              <div key={k} className="mono small-text">
                {i.path || 'settings'}: {i.message}
              </div>
            ))}
          </div>
        </div>
      )}
      <div className="form-actions">
        <button type="submit" className="primary" disabled={busy || !name.trim()} data-testid="check-submit">
          {isNew ? t('mon.form.create') : t('common.save')}
        </button>
        <button type="button" onClick={onCancel}>
          {t('common.cancel')}
        </button>
      </div>
    </form>
  );
  return form;
}

function PresetNum({ label, value, onChange, suffix, text, placeholder }: { label: string; value: unknown; onChange: (v: number | string | undefined) => void; suffix?: string; text?: boolean; placeholder?: string }) {
  return (
    <label className="field-inline">
      {label}
      <input
        className={text ? 'w-text' : 'w-num-s'}
        type={text ? 'text' : 'number'}
        step="any"
        value={value === undefined || value === null ? '' : String(value)}
        placeholder={placeholder}
        onChange={(e) => onChange(e.target.value === '' ? undefined : text ? e.target.value : Number(e.target.value))}
      />
      {suffix}
    </label>
  );
}
