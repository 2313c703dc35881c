/**
 * CSV import in three steps: read the file (progress), map its columns to asset fields (with sample
 * values), then check (dry run) and import. Imports are all-or-nothing: on any error the server
 * writes nothing and the dialog shows its report line by line.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError, postWithProgress, type UploadProgress } from '../api.ts';
import { formatBytes, formatNumber } from '../shared/format.ts';
import { Dialog, ErrorNote, ProgressBar } from '../shared/ui.tsx';
import { IMPORT_FIELDS, sitesCreated, type ImportLineError, type ImportPreview, type ImportResult } from './types.ts';

type Mapping = Record<string, string>;
type Busy = { what: 'reading'; loaded: number; total: number } | { what: 'preview' | 'check' | 'import'; progress: UploadProgress } | null;

const REQUIRED = new Set(['name', 'type']);
const DELIMITERS: { value: string; label: string }[] = [
  { value: ';', label: ';' },
  { value: ',', label: ',' },
  { value: '\t', label: 'tab' },
];
const MAX_SHOWN_ERRORS = 500;

/** Decodes a file's bytes: UTF-8 when valid, else Windows-1252 (what French Excel writes). */
function decode(buf: ArrayBuffer): { text: string; encoding: string } {
  try {
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(buf), encoding: 'UTF-8' };
  } catch {
    return { text: new TextDecoder('windows-1252').decode(buf), encoding: 'Windows-1252' };
  }
}

function readFile(file: File, onProgress: (loaded: number, total: number) => void): Promise<ArrayBuffer> {
  return new Promise((resolve, reject) => {
    const r = new FileReader();
    r.onprogress = (e) => onProgress(e.loaded, e.lengthComputable ? e.total : file.size);
    r.onload = () => resolve(r.result as ArrayBuffer);
    r.onerror = () => reject(r.error ?? new Error('read error'));
    r.readAsArrayBuffer(file);
  });
}

export function ImportDialog({ clientId, onClose, onImported }: { clientId: string; onClose: () => void; onImported: (r: ImportResult) => void }) {
  const { t } = useTranslation();
  const [file, setFile] = useState<{ name: string; size: number; encoding: string } | null>(null);
  const [csv, setCsv] = useState<string | null>(null);
  const [preview, setPreview] = useState<ImportPreview | null>(null);
  const [mapping, setMapping] = useState<Mapping>({});
  const [delimiter, setDelimiter] = useState<string>('');
  const [busy, setBusy] = useState<Busy>(null);
  const [error, setError] = useState<unknown>(null);
  const [report, setReport] = useState<Report | null>(null);
  /** The mapping and delimiter a dry run has accepted; Import needs the current ones to match. */
  const [checked, setChecked] = useState<{ key: string; result: ImportResult } | null>(null);
  const abort = useRef<AbortController | null>(null);
  const [dragging, setDragging] = useState(false);
  const reportRef = useRef<HTMLDivElement>(null);
  const checkRef = useRef<HTMLDivElement>(null);

  // Bring the outcome of a check into view: the dialog scrolls, the buttons sit below the mapping.
  useEffect(() => {
    (report ? reportRef : checkRef).current?.scrollIntoView({ block: 'nearest' });
  }, [report, checked]);

  const currentKey = JSON.stringify([mapping, delimiter]);
  const checkOk = checked !== null && checked.key === currentKey;

  async function choose(f: File | undefined) {
    if (!f) return;
    setError(null);
    setReport(null);
    setChecked(null);
    setPreview(null);
    setCsv(null);
    setBusy({ what: 'reading', loaded: 0, total: f.size });
    try {
      const buf = await readFile(f, (loaded, total) => setBusy({ what: 'reading', loaded, total }));
      const { text, encoding } = decode(buf);
      setFile({ name: f.name, size: f.size, encoding });
      setCsv(text);
      await loadPreview(text, '');
    } catch (e) {
      setError(e);
      setBusy(null);
    }
  }

  async function loadPreview(text: string, delim: string) {
    abort.current = new AbortController();
    setBusy({ what: 'preview', progress: { phase: 'upload', loaded: 0, total: text.length } });
    try {
      const p = await postWithProgress<ImportPreview>(
        `/clients/${clientId}/assets/import/preview`,
        delim ? { csv: text, delimiter: delim } : { csv: text },
        (progress) => setBusy({ what: 'preview', progress }),
        abort.current.signal,
      );
      setPreview(p);
      setDelimiter(p.delimiter);
      setMapping({ ...(p.suggested_mapping as Mapping) });
      setChecked(null);
      setReport(null);
    } catch (e) {
      if (e instanceof ApiError && e.id === 'import_invalid') setReport(reportOf(e.details));
      else if (!(e instanceof ApiError && e.id === 'aborted')) setError(e);
    } finally {
      setBusy(null);
    }
  }

  async function send(dryRun: boolean) {
    if (csv === null) return;
    setError(null);
    setReport(null);
    const key = currentKey;
    abort.current = new AbortController();
    const what = dryRun ? 'check' : 'import';
    setBusy({ what, progress: { phase: 'upload', loaded: 0, total: csv.length } });
    try {
      const r = await postWithProgress<ImportResult>(
        `/clients/${clientId}/assets/import`,
        { csv, mapping, delimiter: delimiter || undefined, dry_run: dryRun },
        (progress) => setBusy({ what, progress }),
        abort.current.signal,
      );
      if (dryRun) setChecked({ key, result: r });
      else onImported(r);
    } catch (e) {
      if (e instanceof ApiError && e.id === 'import_invalid') {
        setReport(reportOf(e.details));
        setChecked(null);
      } else if (!(e instanceof ApiError && e.id === 'aborted')) setError(e);
    } finally {
      setBusy(null);
    }
  }

  function close() {
    abort.current?.abort();
    onClose();
  }

  const headers = preview?.headers ?? [];
  const mappedHeaders = new Set(Object.values(mapping));
  const unmapped = headers.filter((h) => !mappedHeaders.has(h) || mapping[`custom:${h.trim()}`] === h);
  const missingRequired = IMPORT_FIELDS.filter((f) => REQUIRED.has(f) && !mapping[f]);
  const sampleOf = useMemo(() => {
    const idx = new Map(headers.map((h, i) => [h, i]));
    return (header: string | undefined) => {
      if (!header || !preview) return [];
      const i = idx.get(header);
      return i === undefined ? [] : preview.sample.map((r) => r[i] ?? '').filter((v) => v !== '').slice(0, 3);
    };
  }, [headers, preview]);

  function setField(field: string, header: string) {
    setMapping((m) => {
      const next = { ...m };
      if (header) next[field] = header;
      else delete next[field];
      return next;
    });
  }

  function setCustom(header: string, on: boolean) {
    const key = `custom:${header.trim()}`;
    setMapping((m) => {
      const next = { ...m };
      if (on) next[key] = header;
      else delete next[key];
      return next;
    });
  }

  const working = busy !== null;

  return (
    <Dialog title={t('import.title')} onClose={close} wide testId="import-dialog">
      <div className="import">
        <section className="import-step">
          <h3>
            <span className="step-no">1</span>
            {t('import.step1')}
          </h3>
          <label
            className={dragging ? 'dropzone dragging' : 'dropzone'}
            onDragOver={(e) => {
              e.preventDefault();
              setDragging(true);
            }}
            onDragLeave={() => setDragging(false)}
            onDrop={(e) => {
              e.preventDefault();
              setDragging(false);
              if (!working) void choose(e.dataTransfer.files[0]);
            }}
          >
            <input
              type="file"
              className="visually-hidden"
              accept=".csv,.txt,text/csv,text/plain"
              onChange={(e) => {
                void choose(e.target.files?.[0]);
                e.target.value = '';
              }}
              disabled={working}
              data-testid="import-file"
            />
            <span className="button small">{file ? t('import.otherFile') : t('import.chooseFile')}</span>
            {file ? (
              <span>
                <strong>{file.name}</strong> <span className="muted">— {formatBytes(file.size)} — {file.encoding}</span>
              </span>
            ) : (
              <span className="muted">{t('import.dropHere')}</span>
            )}
          </label>
          <p className="muted small-text">{t('import.fileHint')}</p>
        </section>

        {busy && <BusyBar busy={busy} />}
        <ErrorNote error={error} />
        {!preview && report && <ErrorReport report={report} />}

        {preview && (
          <section className="import-step">
            <h3>
              <span className="step-no">2</span>
              {t('import.step2')}
            </h3>
            <div className="row">
              <label className="field-inline">
                <span>{t('import.delimiter')}</span>
                <select
                  value={delimiter}
                  disabled={working}
                  onChange={(e) => {
                    setDelimiter(e.target.value);
                    if (csv !== null) void loadPreview(csv, e.target.value);
                  }}
                >
                  {DELIMITERS.map((d) => (
                    <option key={d.value} value={d.value}>
                      {d.value === '\t' ? t('import.tab') : d.label}
                    </option>
                  ))}
                </select>
              </label>
              <span className="muted">{t('import.columnsFound', { count: headers.length })}</span>
            </div>
            <div className="mapping">
              {IMPORT_FIELDS.map((f) => (
                <div key={f} className={REQUIRED.has(f) && !mapping[f] ? 'mapping-row missing' : 'mapping-row'}>
                  <label htmlFor={`map-${f}`} className="mapping-field">
                    {t(`asset.${f}`)}
                    {REQUIRED.has(f) && ' *'}
                  </label>
                  <select id={`map-${f}`} className="compact" value={mapping[f] ?? ''} onChange={(e) => setField(f, e.target.value)} disabled={working} data-testid={`import-map-${f}`}>
                    <option value="">{t('import.notImported')}</option>
                    {headers.map((h) => (
                      <option key={h} value={h}>
                        {h}
                      </option>
                    ))}
                  </select>
                  <span className="examples" title={sampleOf(mapping[f]).join(' · ')}>
                    {sampleOf(mapping[f]).map((v, i) => (
                      <span key={i} className="example">
                        {v}
                      </span>
                    ))}
                  </span>
                </div>
              ))}
            </div>
            {unmapped.length > 0 && (
              <div className="custom-columns">
                <div className="muted">{t('import.otherColumns')}</div>
                <div className="checks">
                  {unmapped.map((h) => (
                    <label key={h} className="check">
                      <input type="checkbox" checked={mapping[`custom:${h.trim()}`] === h} onChange={(e) => setCustom(h, e.target.checked)} disabled={working || !h.trim()} />
                      {h || <em>{t('import.emptyHeader')}</em>}
                    </label>
                  ))}
                </div>
              </div>
            )}
            <details className="sample">
              <summary>{t('import.sampleRows', { count: preview.sample.length })}</summary>
              <div className="table-scroll">
                <table className="table">
                  <thead>
                    <tr>
                      {headers.map((h, i) => (
                        <th key={i}>{h}</th>
                      ))}
                    </tr>
                  </thead>
                  <tbody>
                    {preview.sample.map((r, i) => (
                      <tr key={i}>
                        {headers.map((_, j) => (
                          <td key={j}>{r[j] ?? ''}</td>
                        ))}
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            </details>
          </section>
        )}

        {preview && (
          <section className="import-step">
            <h3>
              <span className="step-no">3</span>
              {t('import.step3')}
            </h3>
            {missingRequired.length > 0 && <div className="note note-warn">{t('import.mapRequired', { fields: missingRequired.map((f) => t(`asset.${f}`)).join(', ') })}</div>}
            {checkOk && checked && (
              <div className="note note-ok" data-testid="import-check-result" ref={checkRef}>
                <span>
                  {t('import.checkOk', { count: checked.result.created })} <SitesNote result={checked.result} future />{' '}
                  {checked.result.ignored_columns.length > 0 && t('import.ignoredColumns', { columns: checked.result.ignored_columns.join(', ') })}
                </span>
              </div>
            )}
            {report && (
              <div ref={reportRef}>
                <ErrorReport report={report} />
              </div>
            )}
            <div className="form-actions import-actions">
              <button type="button" onClick={() => void send(true)} disabled={working || missingRequired.length > 0} data-testid="import-check">
                {t('import.check')}
              </button>
              <button type="button" className="primary" onClick={() => void send(false)} disabled={working || !checkOk} data-testid="import-submit">
                {checkOk && checked ? t('import.submitCount', { count: checked.result.created }) : t('import.submit')}
              </button>
              <button type="button" onClick={close} data-testid="import-close">
                {t('common.cancel')}
              </button>
            </div>
          </section>
        )}
      </div>
    </Dialog>
  );
}

function BusyBar({ busy }: { busy: NonNullable<Busy> }) {
  const { t } = useTranslation();
  if (busy.what === 'reading') return <ProgressBar value={busy.total ? busy.loaded / busy.total : 0} label={t('import.reading', { done: formatBytes(busy.loaded), total: formatBytes(busy.total) })} />;
  const p = busy.progress;
  if (p.phase === 'upload') return <ProgressBar value={p.total ? p.loaded / p.total : 0} label={t('import.uploading', { percent: p.total ? Math.round((100 * p.loaded) / p.total) : 0 })} />;
  const label = busy.what === 'import' ? t('import.importing') : busy.what === 'check' ? t('import.validating') : t('import.analysing');
  return <ProgressBar indeterminate label={label} />;
}

interface Report {
  errors: ImportLineError[];
  /** Rows read in the file, when known. */
  rows: number | null;
  /** All errors found; the server lists the first thousand. */
  total: number;
}

function reportOf(details: unknown): Report {
  const d = (details ?? {}) as { errors?: ImportLineError[]; rows?: number; error_count?: number };
  const errors = Array.isArray(d.errors) ? d.errors : [];
  return { errors, rows: typeof d.rows === 'number' && d.rows > 0 ? d.rows : null, total: typeof d.error_count === 'number' ? d.error_count : errors.length };
}

/** "2 sites created: Lyon, Villeurbanne." (or "will be created" for a dry run). */
export function SitesNote({ result, future }: { result: ImportResult; future?: boolean }) {
  const { t } = useTranslation();
  const { count, names } = sitesCreated(result);
  if (count === 0) return null;
  if (names.length > 0) return <>{t(future ? 'import.sitesWouldBeCreatedNames' : 'import.sitesCreatedNames', { count, names: names.join(', ') })}</>;
  return <>{t(future ? 'import.sitesWouldBeCreated' : 'import.sitesCreated', { count })}</>;
}

function ErrorReport({ report }: { report: Report }) {
  const { t } = useTranslation();
  const shown = report.errors.slice(0, MAX_SHOWN_ERRORS);
  return (
    <div className="import-errors" data-testid="import-errors">
      <div className="note note-error" role="alert">
        <span>
          <strong>{t('import.nothingImported')}</strong> {t('import.errorCount', { count: report.total })}
          {report.rows !== null && ` ${t('import.rowsRead', { count: report.rows, rows: formatNumber(report.rows) })}`}
        </span>
      </div>
      <div className="table-scroll errors-scroll">
        <table className="table">
          <thead>
            <tr>
              <th className="right">{t('import.line')}</th>
              <th>{t('import.column')}</th>
              <th>{t('import.value')}</th>
              <th>{t('import.message')}</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((e, i) => (
              <tr key={i}>
                <td className="right mono">{e.line}</td>
                <td>{e.column ?? (e.field ? t(`asset.${e.field}`, { defaultValue: e.field }) : '—')}</td>
                <td className="mono truncate" title={e.value ?? ''}>
                  {e.value ?? ''}
                </td>
                <td>{e.message}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {report.total > shown.length && <p className="muted">{t('import.moreErrors', { count: report.total - shown.length })}</p>}
    </div>
  );
}
