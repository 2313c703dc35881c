import { describe, expect, it } from 'vitest';
import { WINDOWS_EXPORTER_TEXT } from '../../../../test/peers/windows-exporter.ts';
import { matches, parseExposition, parseSelector, select, seriesKey } from './exposition.ts';

describe('Prometheus text exposition parser', () => {
  it('reads names, labels, values and skips comments and timestamps', () => {
    const e = parseExposition(
      [
        '# HELP http_requests_total The total number of HTTP requests.',
        '# TYPE http_requests_total counter',
        'http_requests_total{method="post",code="200"} 1027 1395066363000',
        'http_requests_total{method="post",code="400"}    3 1395066363000',
        '',
        'metric_without_timestamp_and_labels 12.47',
        'something_weird{problem="division by zero"} +Inf -3982045',
        'minus_inf -Inf',
        'not_a_number NaN',
        'http_request_duration_seconds_bucket{le="+Inf"} 144320',
        'sci 1.5e+10',
        'colon:name:total 7',
        '  indented_metric 3',
        'trailing_comma{a="1",} 4',
        'spaces_in_labels{ a = "1" , b="2" } 5',
      ].join('\n'),
    );
    expect(e.errors).toBe(0);
    expect(e.valid).toBe(true);
    expect(e.lines).toBe(12);
    expect(e.samples.get('http_requests_total')).toEqual([
      { name: 'http_requests_total', labels: { method: 'post', code: '200' }, value: 1027 },
      { name: 'http_requests_total', labels: { method: 'post', code: '400' }, value: 3 },
    ]);
    expect(e.samples.get('metric_without_timestamp_and_labels')![0]!.value).toBe(12.47);
    expect(e.samples.get('something_weird')![0]!.value).toBe(Infinity);
    expect(e.samples.get('minus_inf')![0]!.value).toBe(-Infinity);
    expect(e.samples.get('not_a_number')![0]!.value).toBeNaN();
    expect(e.samples.get('http_request_duration_seconds_bucket')![0]!.labels.le).toBe('+Inf');
    expect(e.samples.get('sci')![0]!.value).toBe(1.5e10);
    expect(e.samples.get('colon:name:total')![0]!.value).toBe(7);
    expect(e.samples.get('indented_metric')![0]!.value).toBe(3);
    expect(e.samples.get('trailing_comma')![0]!.labels).toEqual({ a: '1' });
    expect(e.samples.get('spaces_in_labels')![0]!.labels).toEqual({ a: '1', b: '2' });
  });

  it('unescapes label values: \\\\, \\" and \\n', () => {
    const e = parseExposition('m{path="C:\\\\DIR\\\\FILE.TXT",err="Cannot find file:\\n\\"FILE.TXT\\""} 1\n');
    expect(e.samples.get('m')![0]!.labels).toEqual({ path: 'C:\\DIR\\FILE.TXT', err: 'Cannot find file:\n"FILE.TXT"' });
  });

  it('tolerates CRLF, OpenMetrics # EOF and exemplars; counts malformed lines without failing', () => {
    const e = parseExposition('a 1\r\nb{x="1"} 2 # {trace_id="abc"} 1.0\r\nbroken{x="1" 3\r\nc{x=1} 4\r\nd notanumber\r\n9bad 1\r\ne 5\r\n# EOF\r\n');
    expect(e.samples.get('a')![0]!.value).toBe(1);
    expect(e.samples.get('b')![0]!.value).toBe(2);
    expect(e.samples.get('e')![0]!.value).toBe(5);
    expect(e.errors).toBe(4);
    expect(e.lines).toBe(7);
  });

  it('parses only the wanted names, but always checks the first sample line', () => {
    const e = parseExposition('first 1\nkeep{a="1"} 2\nskip{a="1"} 3\nkeep 4\n', new Set(['keep']));
    expect([...e.samples.keys()]).toEqual(['keep']);
    expect(e.samples.get('keep')!.map((s) => s.value)).toEqual([2, 4]);
    expect(e.valid).toBe(true);
    expect(parseExposition('<html><body>Login</body></html>\n', new Set(['x'])).valid).toBe(false);
    expect(parseExposition('all systems operational', new Set()).valid).toBe(false);
    expect(parseExposition('').lines).toBe(0);
  });

  it('reads a windows_exporter exposition', () => {
    const e = parseExposition(WINDOWS_EXPORTER_TEXT);
    expect(e.errors).toBe(0);
    expect(e.samples.get('windows_logical_disk_free_bytes')!.map((s) => [s.labels.volume, s.value])).toEqual([
      ['C:', 40360828928],
      ['D:', 1.2e9],
      ['HarddiskVolume1', 82837504],
    ]);
    expect(e.samples.get('windows_cs_physical_memory_bytes')![0]!.value).toBe(17078059008);
    expect(e.samples.get('windows_os_physical_memory_free_bytes')![0]!.value).toBe(9453125632);
    const info = e.samples.get('windows_service_info')!;
    expect(info[0]!.labels.display_name).toBe('Windows "Update" Service');
    expect(info[1]!.labels.display_name).toBe('Path C:\\Program Files\\Vigie');
    expect(e.samples.get('windows_cpu_time_total')![0]!.labels).toEqual({ core: '0,0', mode: 'dpc' });
  });
});

describe('selectors', () => {
  it('parses =, !=, =~ and !~ matchers, and selects samples with them', () => {
    const sel = parseSelector('windows_service_state{name=~"spool.*|wuauserv", state="running", name!="x",state!~"stop.*"}');
    expect(sel.name).toBe('windows_service_state');
    expect(sel.matchers.map((m) => [m.name, m.op, m.value])).toEqual([
      ['name', '=~', 'spool.*|wuauserv'],
      ['state', '=', 'running'],
      ['name', '!=', 'x'],
      ['state', '!~', 'stop.*'],
    ]);
    const e = parseExposition(WINDOWS_EXPORTER_TEXT);
    expect(select(e, sel).map((s) => [s.labels.name, s.value])).toEqual([
      ['spooler', 1],
      ['wuauserv', 0],
    ]);
    expect(select(e, parseSelector('windows_logical_disk_free_bytes'))).toHaveLength(3);
    expect(select(e, parseSelector('nope'))).toEqual([]);
  });

  it('anchors regexes and treats a missing label as empty, as Prometheus does', () => {
    expect(matches({ a: 'foobar' }, parseSelector('m{a=~"foo"}').matchers)).toBe(false);
    expect(matches({}, parseSelector('m{a=""}').matchers)).toBe(true);
    expect(matches({}, parseSelector('m{a!=""}').matchers)).toBe(false);
  });

  it('rejects malformed selectors', () => {
    expect(() => parseSelector('9metric')).toThrow();
    expect(() => parseSelector('m{a="1"')).toThrow();
    expect(() => parseSelector('m{a~"1"}')).toThrow();
    expect(() => parseSelector('m{a=~"("}')).toThrow(/bad selector/);
  });

  it('formats series keys', () => {
    expect(seriesKey('m', { b: '2', a: '1' })).toBe('m{b="2",a="1"}');
    expect(seriesKey('m', {})).toBe('m');
  });
});
