import { describe, expect, it } from 'vitest';
import {
  assetsToCsv, detectDelimiter, escapeFormula, parseAssetType, parseCriticality, parseCsv, parseCustomValue, parseDate, resolveColumns,
  suggestMapping, unescapeFormula, validateRows,
} from './csv.ts';
import type { AssetJson } from './presenters.ts';

describe('inventory CSV (pure)', () => {
  it('detects the delimiter from the header line, ignoring quoted text', () => {
    expect(detectDelimiter('nom;type;criticité\nsrv;serveur;1')).toBe(';');
    expect(detectDelimiter('name,type\n')).toBe(',');
    expect(detectDelimiter('name\ttype\tserial\n')).toBe('\t');
    expect(detectDelimiter('"a;b;c",type\n')).toBe(',');
    expect(detectDelimiter('\uFEFFnom;type')).toBe(';');
    expect(detectDelimiter('name')).toBe(',');
  });

  it('numbers lines as in the file, across empty lines and multi-line cells', () => {
    const { parsed } = parseCsv('name;notes\n\nA;"two\nlines"\n;\n\nB;x\n');
    expect(parsed!.headers).toEqual(['name', 'notes']);
    expect(parsed!.rows.map((r) => [r.line, r.cells[0]])).toEqual([[3, 'A'], [7, 'B']]);
  });

  it('reports malformed CSV at its line', () => {
    const { parsed, errors } = parseCsv('name,type\na,server\nb,"ser"ver\n');
    expect(parsed).toBeNull();
    expect(errors[0]!.line).toBe(3);
    expect(parseCsv('').errors[0]!.message).toMatch(/empty/);
  });

  it('maps French and English headers and custom:<key> columns', () => {
    const m = suggestMapping(['Nom', 'Type', 'Criticité', 'N° de série', 'Fabricant', 'Modèle', 'Adresse IP', 'Propriétaire', 'Emplacement', 'Fin de garantie', 'Étiquettes', 'Impact métier', 'Notes', 'Site', 'custom:RAM (Go)', 'Couleur']);
    expect(m).toEqual({
      name: 'Nom', type: 'Type', criticality: 'Criticité', serial: 'N° de série', manufacturer: 'Fabricant', model: 'Modèle', ip_address: 'Adresse IP',
      owner: 'Propriétaire', location: 'Emplacement', warranty_end: 'Fin de garantie', tags: 'Étiquettes', business_impact: 'Impact métier', notes: 'Notes',
      site: 'Site', 'custom:RAM (Go)': 'custom:RAM (Go)',
    });
    const r = resolveColumns(['Nom', 'Type', 'Couleur'], undefined);
    expect(r.ignored).toEqual(['Couleur']);
    const explicit = resolveColumns(['Hostname', 'Kind', 'Couleur'], { name: 'Hostname', type: 'Kind', 'custom:colour': 'Couleur' });
    expect(explicit.errors).toEqual([]);
    expect(explicit.columns.map((c) => c.target)).toEqual([{ kind: 'field', field: 'name' }, { kind: 'field', field: 'type' }, { kind: 'custom', key: 'colour' }]);
    expect(resolveColumns(['Nom'], { name: 'Nom', type: 'Genre' }).errors[0]).toMatchObject({ line: 1, field: 'type', column: 'Genre' });
    expect(resolveColumns(['Nom', 'Serial'], undefined).errors[0]).toMatchObject({ line: 1, field: 'type' });
  });

  it('understands French type labels, criticality labels and both date formats', () => {
    expect(parseAssetType('Serveur')).toBe('server');
    expect(parseAssetType('poste de travail')).toBe('workstation');
    expect(parseAssetType('Pare-feu')).toBe('firewall');
    expect(parseAssetType('ROUTEUR')).toBe('router');
    expect(parseAssetType('commutateur')).toBe('switch');
    expect(parseAssetType('Imprimante')).toBe('printer');
    expect(parseAssetType('onduleur')).toBe('ups');
    expect(parseAssetType('Borne WiFi')).toBe('access_point');
    expect(parseAssetType('access_point')).toBe('access_point');
    expect(parseAssetType('application métier')).toBe('business_application');
    expect(parseAssetType('toaster')).toBeNull();
    expect(parseCriticality('1')).toBe(1);
    expect(parseCriticality('Critique')).toBe(1);
    expect(parseCriticality('5')).toBeNull();
    expect(parseDate('2026-03-31')).toBe(Date.UTC(2026, 2, 31));
    expect(parseDate('31/03/2026')).toBe(Date.UTC(2026, 2, 31));
    expect(parseDate('31/02/2026')).toBeNull();
    expect(parseDate('2026-13-01')).toBeNull();
    expect(parseDate('03/31/2026')).toBeNull();
  });

  it('keeps custom values typed and formula-looking cells safe both ways', () => {
    expect(parseCustomValue('16')).toBe(16);
    expect(parseCustomValue('-3.5')).toBe(-3.5);
    expect(parseCustomValue('007')).toBe('007');
    expect(parseCustomValue('1.50')).toBe('1.50');
    expect(parseCustomValue('TRUE')).toBe(true);
    expect(parseCustomValue('oui')).toBe('oui');
    for (const v of ['=1+1', '+33 1 23', '-5', '@SUM(A1)', "'=x", "''-y", 'plain', "it's"]) {
      expect(unescapeFormula(escapeFormula(v))).toBe(v);
      expect(escapeFormula(v)).not.toMatch(/^[=+\-@]/);
    }
  });

  it('validates every row and reports each bad cell with line, column, field and value', () => {
    const text = ['Nom;Type;Criticité;Fin de garantie;Étiquettes', 'a;serveur;1;31/12/2027;x|y', 'b;grille-pain;2;;', 'c;vm;9;2027-02-30;', ';vm;;;'].join('\n');
    const { parsed } = parseCsv(text);
    const cols = resolveColumns(parsed!.headers, undefined);
    const { drafts, errors } = validateRows(parsed!, cols.columns);
    expect(drafts.map((d) => d.name)).toEqual(['a']);
    expect(drafts[0]).toMatchObject({ type: 'server', criticality: 1, warranty_end: Date.UTC(2027, 11, 31), tags: ['x', 'y'] });
    expect(errors.map((e) => [e.line, e.column, e.field, e.value])).toEqual([
      [3, 'Type', 'type', 'grille-pain'],
      [4, 'Criticité', 'criticality', '9'],
      [4, 'Fin de garantie', 'warranty_end', '2027-02-30'],
      [5, 'Nom', 'name', ''],
    ]);
  });

  it('exports a header, one line per asset and custom fields as custom:<key>', () => {
    const a: AssetJson = {
      id: 'x', client_id: 'c', site_id: null, site_name: 'Siège', name: '=danger', type: 'server', criticality: 2, business_impact: '', owner: 'DSI',
      location: 'Baie 1', serial: 'S1', manufacturer: 'Dell', model: 'R740', ip_address: '10.0.0.1', warranty_end: Date.UTC(2027, 0, 15), tags: ['prod', 'erp'],
      custom_fields: { ram: 64, note: 'a, "b"' }, notes: 'multi\nline', created_at: 0, updated_at: 0,
    };
    const csv = assetsToCsv([a]);
    expect(csv.split('\n')[0]).toBe('name,type,criticality,site,serial,manufacturer,model,ip_address,owner,location,warranty_end,tags,business_impact,notes,custom:note,custom:ram');
    const { parsed } = parseCsv(csv);
    const { drafts, errors } = validateRows(parsed!, resolveColumns(parsed!.headers).columns);
    expect(errors).toEqual([]);
    expect(drafts[0]).toMatchObject({ name: '=danger', site: 'Siège', warranty_end: a.warranty_end, tags: ['prod', 'erp'], custom_fields: a.custom_fields, notes: 'multi\nline' });
  });
});
