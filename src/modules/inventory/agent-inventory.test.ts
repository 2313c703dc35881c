import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  InventoryError, inventoryFingerprint, normalizeMac, parseAgentInventory, parseFusionInventoryXml, parseGlpiAgentJson,
  type AgentInventory,
} from './agent-inventory.ts';

const FIXTURES = fileURLToPath(new URL('../../../../shared/fixtures/glpi-inventory-format/', import.meta.url));
const fixture = (path: string): string => readFileSync(FIXTURES + path, 'utf8');

/** The InventoryError id thrown by fn (fails the test when fn returns or throws something else). */
function errorId(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(InventoryError);
    return (e as InventoryError).id;
  }
  throw new Error('expected an InventoryError');
}

describe('GLPI Agent JSON inventories (fixtures)', () => {
  it('computer_1: a Fedora laptop with drives, networks and software', () => {
    const inv = parseGlpiAgentJson(fixture('examples/computer_1.json'));
    expect(inv).toMatchObject({
      deviceid: 'glpixps-2018-07-09-09-07-13', itemtype: 'Computer', name: 'glpixps',
      uuid: '4c4c4544-0034-3010-8048-b6c04f503732', serial: '640HP72', manufacturer: 'Dell Inc.', model: 'XPS 13 9350',
      last_boot: '2020-06-09 07:58:08', memory_mb: 7800,
    });
    expect(inv.os).toEqual({
      name: 'Fedora', version: '31 (Workstation Edition)', full_name: 'Fedora 31 (Workstation Edition)', arch: 'x86_64',
      kernel: '5.6.15-200.fc31.x86_64', install_date: null,
    });
    expect(inv.cpu).toEqual([{ name: 'Intel(R) Core(TM) i5-6200U CPU @ 2.30GHz', cores: 2 }]);
    expect(inv.software).toHaveLength(6);
    expect(inv.software).toContainEqual({ name: 'gitg', version: '3.32.1-1.fc31', publisher: 'Fedora Project', install_date: '2019-12-19' });
    expect(inv.disks).toContainEqual({ mount: '/', fs: 'ext4', total_mb: 40189, free_mb: 11683 });
    expect(inv.disks).toContainEqual({ mount: '/boot/efi', fs: 'vfat', total_mb: 199, free_mb: 191 });
    // The loopback 00:00:00:00:00:00 is left out.
    expect(inv.macs).toEqual(['00:e0:4c:68:01:db', '44:85:00:2b:90:bc', '52:54:00:fa:20:0e']);
    expect(inv.networks.find((n) => n.name === 'lo')).toMatchObject({ ipv4: ['127.0.0.1'], ipv6: ['::1'] });
    expect(inv.antivirus).toEqual([]);
    expect(inv.warnings).toEqual([]);
  });

  it('computer_2 and its partial variant: hardware and BIOS only', () => {
    for (const f of ['examples/computer_2.json', 'examples/computer_2_partial_dbs.json']) {
      const inv = parseGlpiAgentJson(fixture(f));
      expect(inv).toMatchObject({
        deviceid: 'acomputer-2021-01-26-14-32-36', itemtype: 'Computer', name: 'COMP1', serial: '2FAGP34',
        uuid: '4BDRGGFE-0046-4710-8047-B2C04F503732', memory_mb: 7830, os: null, last_boot: null,
        software: [], disks: [], networks: [], macs: [], cpu: [],
      });
    }
  });

  it('computer_3: 3033 software entries', () => {
    const inv = parseGlpiAgentJson(fixture('examples/computer_3.json'));
    expect(inv).toMatchObject({ name: 'LF014', serial: '8C554721F', model: 'PORTEGE Z30-A', memory_mb: 7909, last_boot: '2017-02-20 08:11:53' });
    expect(inv.os).toMatchObject({ name: 'Fedora', version: '25', full_name: 'Fedora release 25 (Twenty Five)' });
    expect(inv.software).toHaveLength(3033);
    expect(inv.software[0]).toEqual({ name: 'xerces-j2', version: '2.11.0-24.fc24', publisher: 'Fedora Project', install_date: '2016-10-26' });
    expect(inv.disks).toEqual([
      { mount: '/', fs: 'ext4', total_mb: 50268, free_mb: 13336 },
      { mount: '/boot', fs: 'ext4', total_mb: 476, free_mb: 279 },
      { mount: '/home', fs: 'ext4', total_mb: 181527, free_mb: 72579 },
    ]);
    expect([...inv.macs].sort()).toEqual(['30:3a:64:ee:65:88', 'b8:6b:23:e0:5c:81']);
  });

  it('network equipment: identity from network_device, MACs from the device and its ports', () => {
    const inv = parseGlpiAgentJson(fixture('examples/networkequipment_3.json'));
    expect(inv).toMatchObject({
      deviceid: 'HP-2530-48G-2020-12-31-11-28-51', itemtype: 'NetworkEquipment', name: 'HP-2530-48G',
      serial: 'CN5BFP62CP', manufacturer: 'Hewlett-Packard', model: '2530-48G', uuid: null, os: null, software: [],
    });
    expect(inv.macs[0]).toBe('b0:5a:da:10:10:80');
    expect(inv.macs).toContain('b0:5a:da:10:10:bf');
    const n1 = parseGlpiAgentJson(fixture('examples/networkequipment_1.json'));
    expect(n1).toMatchObject({ deviceid: 'foo', name: 'ucs6248up-cluster-pa3-B', serial: 'SSI1912014B', model: 'UCS 6248UP 48-Port' });
    const n2 = parseGlpiAgentJson(fixture('examples/networkequipment_2.json'));
    expect(n2).toMatchObject({ name: '3k-1-pa3.glpi-project.infra', serial: 'FOC1243W0ED', manufacturer: 'Cisco', memory_mb: 128 });
    expect(n2.macs[0]).toBe('00:23:ac:6a:01:00');
  });

  it('printers', () => {
    expect(parseGlpiAgentJson(fixture('examples/printer_1.json'))).toMatchObject({
      itemtype: 'Printer', name: 'NPIF2BE10', serial: 'PHCVN191TG', model: 'HP LaserJet M507', memory_mb: 512, macs: ['00:68:eb:f2:be:10'],
    });
    expect(parseGlpiAgentJson(fixture('examples/printer_2.json'))).toMatchObject({
      itemtype: 'Printer', name: 'MX5970', serial: 'SDFSDF9874', manufacturer: 'Canon',
    });
  });

  it('phone', () => {
    const inv = parseGlpiAgentJson(fixture('examples/phone_1.json'));
    expect(inv).toMatchObject({
      itemtype: 'Phone', name: 'Mi9TPro-TéléphoneM', serial: 'af8d8fcfa6fa4794', uuid: 'af8d3fcfa6fe4784', manufacturer: 'Xiaomi',
      model: 'Mi 9T Pro', memory_mb: 5523, macs: ['e0:dc:ff:ed:09:59'],
    });
    expect(inv.os).toMatchObject({ name: 'Q Android 10.0', version: '29' });
    expect(inv.cpu).toEqual([{ name: 'AArch64 Processor rev 14 (aarch64)', cores: 8 }]);
    expect(inv.software).toHaveLength(3);
    expect(inv.disks[0]).toEqual({ mount: '', fs: null, total_mb: 3471, free_mb: 23 });
    expect(inv.networks[0]).toEqual({
      name: 'No description found', mac: 'e0:dc:ff:ed:09:59', ipv4: ['172.28.214.132'], ipv6: ['fe80::8077:63ff:fe5b:2a71'],
    });
  });

  it('reads antivirus entries', () => {
    const inv = parseGlpiAgentJson(JSON.stringify({
      deviceid: 'pc-1', action: 'inventory', content: {
        hardware: { name: 'PC-1' },
        antivirus: [{ name: 'Microsoft Defender', enabled: true, uptodate: false, version: '4.18' }, { name: 'Other' }, { enabled: true }],
      },
    }));
    expect(inv.antivirus).toEqual([
      { name: 'Microsoft Defender', enabled: true, up_to_date: false, version: '4.18' },
      { name: 'Other', enabled: null, up_to_date: null, version: null },
    ]);
    expect(inv.warnings).toContain('no serial number in the inventory');
  });
});

describe('FusionInventory XML inventories (fixtures)', () => {
  it('1.xml: Fedora laptop', () => {
    const inv = parseFusionInventoryXml(fixture('xml/1.xml'));
    expect(inv).toMatchObject({
      deviceid: 'LF014-2016-06-13-14-03-53', itemtype: 'Computer', name: 'LF014', serial: '9E113232I',
      uuid: '0055ADC9-1D3A-E411-8043-B05D95113232', manufacturer: 'TOSHIBA', model: 'PORTEGE Z30-A', memory_mb: 7908,
      last_boot: '2017-06-08 07:06:47',
    });
    expect(inv.os).toMatchObject({ name: 'Fedora', version: '25', full_name: 'Fedora release 25 (Twenty Five)', arch: 'x86_64' });
    expect(inv.software).toHaveLength(42);
    expect(inv.software).toContainEqual({ name: 'xerces-j2', version: '2.11.0-24.fc24', publisher: 'Fedora Project', install_date: 'N/A' });
    expect(inv.disks).toEqual([
      { mount: '/', fs: 'ext4', total_mb: 150268, free_mb: 7914 },
      { mount: '/boot', fs: 'ext4', total_mb: 476, free_mb: 277 },
      { mount: '/home', fs: 'ext4', total_mb: 181527, free_mb: 68968 },
    ]);
    expect(inv.macs).toContain('b8:6b:23:e0:5c:81');
    expect(inv.macs).not.toContain('00:00:00:00:00:00');
  });

  it('2.xml: Windows laptop with two antivirus products, entities decoded', () => {
    const inv = parseFusionInventoryXml(fixture('xml/2.xml'));
    expect(inv).toMatchObject({
      deviceid: 'pc-arg-23.cedre.local-2017-04-18-09-26-44', name: 'pc-arg-23', serial: 'CZC0479792',
      manufacturer: 'Hewlett-Packard', model: 'HP EliteBook 2540p', memory_mb: 3887, last_boot: '2017-05-15 09:23:09',
    });
    expect(inv.os).toEqual({
      name: 'Windows', version: '6.3.9600', full_name: 'Microsoft Windows 8.1 Professionnel', arch: '64-bit',
      kernel: '6.3.9600', install_date: '2015-04-17T03:02:45Z',
    });
    expect(inv.antivirus).toEqual([
      { name: 'Windows Defender', enabled: true, up_to_date: true, version: null },
      { name: 'Kaspersky Endpoint Security 10 for Windows', enabled: true, up_to_date: true, version: null },
    ]);
    expect(inv.software).toHaveLength(8);
    expect(inv.software[0]).toEqual({ name: 'CCleaner', version: '5.09', publisher: 'Piriform', install_date: '11/09/2015' });
    expect(inv.disks).toContainEqual({ mount: 'C:', fs: 'NTFS', total_mb: 115123, free_mb: 71954 });
    expect(inv.disks).toContainEqual({ mount: 'D:', fs: 'NTFS', total_mb: 122997, free_mb: 122885 });
    expect(inv.networks).toContainEqual({
      name: 'Connexion réseau Intel(R) 82577LM Gigabit', mac: '68:b5:99:e6:84:eb', ipv4: ['10.253.6.55'], ipv6: [],
    });
    expect(inv.macs.slice(0, 3)).toEqual(['68:b5:99:e6:84:eb', '61:b5:99:e6:84:ea', '74:f3:95:c7:e8:c2']);
  });

  it('3.xml and 4.xml: Macs', () => {
    const mac1 = parseFusionInventoryXml(fixture('xml/3.xml'));
    expect(mac1).toMatchObject({ name: 'MacBook-de-teclib', serial: 'W87051UGVUV', model: 'iMac5,1', memory_mb: null });
    expect(mac1.os).toMatchObject({ name: 'MacOSX', version: '10.6.8 (10K549)', full_name: 'Mac OS X' });
    expect(mac1.software).toHaveLength(40);
    expect(mac1.disks).toContainEqual({ mount: '/', fs: 'Journaled HFS+', total_mb: 42900, free_mb: 26022 });
    expect(mac1.macs).toContain('00:17:f2:d1:14:32');

    const mac2 = parseFusionInventoryXml(fixture('xml/4.xml'));
    expect(mac2).toMatchObject({ name: 'iMac de Marie', serial: 'C02NG5A5FY11', manufacturer: 'Apple Inc.', model: 'iMac15,1' });
    expect(mac2.os).toMatchObject({ full_name: 'macOS', version: '10.13.5 (17F77)' });
    expect(mac2.cpu).toEqual([{ name: 'Intel(R) Core(TM) i5-4690 CPU @ 3.50GHz', cores: 4 }]);
    expect(mac2.software).toHaveLength(7);
    expect(mac2.disks).toEqual([{ mount: '/', fs: 'hfs', total_mb: 1057333, free_mb: 251733 }]);
    expect(mac2.macs).toContain('0c:4d:e9:cd:a4:c8');
  });

  it('SNMP query documents (5-good.xml to 8.xml) are not inventories', () => {
    for (const f of ['xml/5-good.xml', 'xml/6.xml', 'xml/7.xml', 'xml/8.xml']) {
      expect(errorId(() => parseFusionInventoryXml(fixture(f)))).toBe('inventory_not_inventory');
    }
  });

  it('the dispatcher picks the format from the content type or the first character', () => {
    expect(parseAgentInventory(fixture('xml/2.xml'), 'application/xml').name).toBe('pc-arg-23');
    expect(parseAgentInventory(`\n  ${fixture('xml/2.xml')}`, undefined).name).toBe('pc-arg-23');
    expect(parseAgentInventory(fixture('examples/computer_1.json'), 'application/json; charset=utf-8').name).toBe('glpixps');
    expect(parseAgentInventory(`\uFEFF${fixture('examples/computer_1.json')}`, 'application/octet-stream').name).toBe('glpixps');
    expect(errorId(() => parseAgentInventory('hello', undefined))).toBe('inventory_malformed');
    expect(errorId(() => parseAgentInventory('', 'text/plain'))).toBe('inventory_malformed');
  });
});

describe('a workstation with 300 software entries', () => {
  const names = Array.from({ length: 300 }, (_, i) => `Soft ${i} <&> "q"`);

  it('JSON', () => {
    const inv = parseGlpiAgentJson(JSON.stringify({
      deviceid: 'ws-300', action: 'inventory', itemtype: 'Computer', content: {
        hardware: { name: 'WS-300', memory: 16384, uuid: 'AAAA-1' },
        bios: { ssn: 'SN300', smanufacturer: 'Lenovo', smodel: 'ThinkCentre' },
        operatingsystem: { name: 'Windows', version: '10.0.19045', full_name: 'Microsoft Windows 10 Pro', arch: '64-bit', boot_time: '2026-11-28 07:00:00' },
        softwares: names.map((name, i) => ({ name, version: `1.${i}`, publisher: 'ACME' })),
        drives: [{ letter: 'C:', filesystem: 'NTFS', total: 488000, free: 120000 }],
        networks: [{ description: 'eth', mac: 'AA-BB-CC-DD-EE-FF', ipaddress: '10.0.0.5' }],
      },
    }));
    expect(inv.software).toHaveLength(300);
    expect(inv.software[299]).toEqual({ name: 'Soft 299 <&> "q"', version: '1.299', publisher: 'ACME', install_date: null });
    expect(inv).toMatchObject({ name: 'WS-300', memory_mb: 16384, serial: 'SN300', macs: ['aa:bb:cc:dd:ee:ff'], last_boot: '2026-11-28 07:00:00' });
    expect(inv.disks).toEqual([{ mount: 'C:', fs: 'NTFS', total_mb: 488000, free_mb: 120000 }]);
  });

  it('XML', () => {
    const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
    const xml = `<?xml version="1.0" encoding="UTF-8"?>
<REQUEST><CONTENT>
<HARDWARE><NAME>WS-300</NAME><MEMORY>16384</MEMORY><UUID>AAAA-1</UUID></HARDWARE>
<BIOS><SSN>0000000000</SSN><SMANUFACTURER>Lenovo</SMANUFACTURER></BIOS>
<OPERATINGSYSTEM><NAME>Windows</NAME><FULL_NAME>Microsoft Windows 10 Pro</FULL_NAME><VERSION>10.0.19045</VERSION></OPERATINGSYSTEM>
<DRIVES><LETTER>C:</LETTER><FILESYSTEM>NTFS</FILESYSTEM><TOTAL>488000</TOTAL><FREE>120000</FREE></DRIVES>
<NETWORKS><DESCRIPTION>eth</DESCRIPTION><MACADDR>AA:BB:CC:DD:EE:FF</MACADDR><IPADDRESS>10.0.0.5</IPADDRESS></NETWORKS>
<NETWORKS><DESCRIPTION>eth</DESCRIPTION><MACADDR>AA:BB:CC:DD:EE:FF</MACADDR><IPADDRESS6>fe80::1</IPADDRESS6></NETWORKS>
<ANTIVIRUS><NAME>Defender</NAME><ENABLED>1</ENABLED><UPTODATE>0</UPTODATE><VERSION>4.18</VERSION></ANTIVIRUS>
${names.map((n, i) => `<SOFTWARES><NAME>${esc(n)}</NAME><VERSION>1.${i}</VERSION><PUBLISHER>ACME &#38; Co</PUBLISHER></SOFTWARES>`).join('\n')}
</CONTENT><DEVICEID>ws-300-2026</DEVICEID><QUERY>INVENTORY</QUERY></REQUEST>`;
    const inv = parseFusionInventoryXml(xml);
    expect(inv.software).toHaveLength(300);
    expect(inv.software[299]).toEqual({ name: 'Soft 299 <&> "q"', version: '1.299', publisher: 'ACME & Co', install_date: null });
    // The serial stays text (not the number 0) and the fingerprint drops it as a placeholder.
    expect(inv).toMatchObject({ deviceid: 'ws-300-2026', name: 'WS-300', memory_mb: 16384, serial: '0000000000', macs: ['aa:bb:cc:dd:ee:ff'] });
    expect(inv.networks).toEqual([{ name: 'eth', mac: 'aa:bb:cc:dd:ee:ff', ipv4: ['10.0.0.5'], ipv6: ['fe80::1'] }]);
    expect(inv.antivirus).toEqual([{ name: 'Defender', enabled: true, up_to_date: false, version: '4.18' }]);
    expect(inventoryFingerprint(inv)).toEqual({ serial: null, uuid: 'aaaa-1', macs: ['aa:bb:cc:dd:ee:ff'] });
  });

  it('a single element is a list of one', () => {
    const inv = parseFusionInventoryXml(
      '<REQUEST><CONTENT><HARDWARE><NAME>x</NAME></HARDWARE><SOFTWARES><NAME>only</NAME></SOFTWARES><CPUS><NAME>c</NAME><CORE>8</CORE></CPUS></CONTENT><DEVICEID>d</DEVICEID><QUERY>INVENTORY</QUERY></REQUEST>',
    );
    expect(inv.software).toEqual([{ name: 'only', version: null, publisher: null, install_date: null }]);
    expect(inv.cpu).toEqual([{ name: 'c', cores: 8 }]);
  });
});

describe('hostile inventories', () => {
  const billionLaughs = `<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<REQUEST><CONTENT><HARDWARE><NAME>&lol9;</NAME></HARDWARE></CONTENT><DEVICEID>d</DEVICEID><QUERY>INVENTORY</QUERY></REQUEST>`;

  it('refuses a billion-laughs document without expanding it', () => {
    expect(errorId(() => parseFusionInventoryXml(billionLaughs))).toBe('inventory_entities_refused');
    expect(errorId(() => parseAgentInventory(billionLaughs, 'text/xml'))).toBe('inventory_entities_refused');
  });

  it('refuses an external entity, and a declaration in any case', () => {
    const xxe = `<?xml version="1.0"?><!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<REQUEST><CONTENT><HARDWARE><NAME>&xxe;</NAME></HARDWARE></CONTENT><DEVICEID>d</DEVICEID><QUERY>INVENTORY</QUERY></REQUEST>`;
    expect(errorId(() => parseFusionInventoryXml(xxe))).toBe('inventory_entities_refused');
    expect(errorId(() => parseFusionInventoryXml('<!doctype r SYSTEM "http://evil/x.dtd"><REQUEST/>'))).toBe('inventory_entities_refused');
    expect(errorId(() => parseFusionInventoryXml('<REQUEST><!eNtItY a "b"></REQUEST>'))).toBe('inventory_entities_refused');
  });

  it('leaves an undeclared entity reference as text (nothing is resolved)', () => {
    const inv = parseFusionInventoryXml(
      '<REQUEST><CONTENT><HARDWARE><NAME>a&xxe;b</NAME></HARDWARE></CONTENT><DEVICEID>d</DEVICEID><QUERY>INVENTORY</QUERY></REQUEST>',
    );
    expect(inv.name).toBe('a&xxe;b');
  });

  it('refuses a 9 MB body before parsing, in both formats', () => {
    const big = 'x'.repeat(9 * 1024 * 1024);
    expect(errorId(() => parseGlpiAgentJson(`{"a":"${big}"}`))).toBe('inventory_too_large');
    expect(errorId(() => parseFusionInventoryXml(`<REQUEST>${big}</REQUEST>`))).toBe('inventory_too_large');
    expect(errorId(() => parseAgentInventory(`<REQUEST>${big}`, undefined))).toBe('inventory_too_large');
    // The limit counts UTF-8 bytes and can be lowered.
    expect(errorId(() => parseGlpiAgentJson('"éé"', { maxBytes: 5 }))).toBe('inventory_too_large');
    expect(errorId(() => parseFusionInventoryXml(fixture('xml/2.xml'), { maxBytes: 1000 }))).toBe('inventory_too_large');
  });

  it('refuses truncated or malformed XML', () => {
    const xml = fixture('xml/2.xml');
    expect(errorId(() => parseFusionInventoryXml(xml.slice(0, Math.floor(xml.length / 2))))).toBe('inventory_malformed');
    expect(errorId(() => parseFusionInventoryXml('<REQUEST><CONTENT></REQUEST>'))).toBe('inventory_malformed');
    expect(errorId(() => parseFusionInventoryXml(''))).toBe('inventory_malformed');
    expect(errorId(() => parseFusionInventoryXml('not xml at all'))).toBe('inventory_malformed');
  });

  it('refuses malformed JSON and JSON that is not an object', () => {
    const json = fixture('examples/computer_1.json');
    expect(errorId(() => parseGlpiAgentJson(json.slice(0, 500)))).toBe('inventory_malformed');
    expect(errorId(() => parseGlpiAgentJson('[{"deviceid":"x","action":"inventory","content":{}}]'))).toBe('inventory_malformed');
    expect(errorId(() => parseGlpiAgentJson('null'))).toBe('inventory_malformed');
    expect(errorId(() => parseGlpiAgentJson('42'))).toBe('inventory_malformed');
  });

  it('refuses valid documents that are not inventories', () => {
    expect(errorId(() => parseFusionInventoryXml(
      '<?xml version="1.0"?><REQUEST><DEVICEID>d</DEVICEID><QUERY>PROLOG</QUERY><TOKEN>12345678</TOKEN></REQUEST>',
    ))).toBe('inventory_not_inventory');
    expect(errorId(() => parseFusionInventoryXml('<REQUEST><DEVICEID>d</DEVICEID><QUERY>INVENTORY</QUERY></REQUEST>'))).toBe('inventory_not_inventory');
    expect(errorId(() => parseFusionInventoryXml('<REQUEST><CONTENT><HARDWARE/></CONTENT><QUERY>INVENTORY</QUERY></REQUEST>'))).toBe('inventory_not_inventory');
    expect(errorId(() => parseFusionInventoryXml('<html><body>hi</body></html>'))).toBe('inventory_not_inventory');
    expect(errorId(() => parseGlpiAgentJson('{"deviceid":"d","action":"contact","name":"x"}'))).toBe('inventory_not_inventory');
    expect(errorId(() => parseGlpiAgentJson('{"deviceid":"d","action":"inventory"}'))).toBe('inventory_not_inventory');
    expect(errorId(() => parseGlpiAgentJson('{"action":"inventory","content":{}}'))).toBe('inventory_not_inventory');
  });

  it('ignores fields of the wrong type instead of failing', () => {
    const inv = parseGlpiAgentJson(JSON.stringify({
      deviceid: 'd', content: {
        hardware: { name: ['x'], memory: '-5', uuid: {} }, bios: 'oops', softwares: 'nope', drives: [1, null, { total: 'big' }],
        networks: { mac: 'zz' }, antivirus: [{ name: 12, enabled: 'yes' }], cpus: [{ core: -2 }],
      },
    }));
    expect(inv).toMatchObject({
      deviceid: 'd', itemtype: 'Computer', name: 'd', uuid: null, serial: null, memory_mb: null, software: [],
      disks: [{ mount: '', fs: null, total_mb: null, free_mb: null }], networks: [{ name: null, mac: null, ipv4: [], ipv6: [] }],
      antivirus: [{ name: '12', enabled: true, up_to_date: null, version: null }], cpu: [{ name: null, cores: null }], macs: [],
    });
    expect(inv.warnings).toContain('no device name in the inventory: the deviceid is used');
  });

  it('parseGlpiAgentJson throws nothing but InventoryError on arbitrary strings', () => {
    const check = (s: string) => {
      try {
        const inv = parseGlpiAgentJson(s);
        expect(typeof inv.name).toBe('string');
      } catch (e) {
        if (!(e instanceof InventoryError)) throw e;
      }
    };
    fc.assert(fc.property(fc.string({ unit: 'binary' }), check), { numRuns: 500 });
    fc.assert(fc.property(fc.json(), check), { numRuns: 500 });
    // Inventory envelopes with arbitrary content.
    fc.assert(fc.property(fc.jsonValue(), fc.jsonValue(), (content, section) => {
      check(JSON.stringify({ deviceid: 'd', action: 'inventory', content }));
      for (const key of ['hardware', 'bios', 'operatingsystem', 'softwares', 'drives', 'networks', 'antivirus', 'cpus', 'network_device', 'network_ports']) {
        check(JSON.stringify({ deviceid: 'd', content: { [key]: section } }));
        check(JSON.stringify({ deviceid: 'd', content: { [key]: [section] } }));
      }
    }), { numRuns: 300 });
  });

  it('parseFusionInventoryXml throws nothing but InventoryError on arbitrary strings', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary' }), fc.string(), (junk, inner) => {
      for (const s of [junk, `<REQUEST><CONTENT>${inner}</CONTENT><DEVICEID>d</DEVICEID><QUERY>INVENTORY</QUERY></REQUEST>`]) {
        try {
          parseFusionInventoryXml(s);
        } catch (e) {
          if (!(e instanceof InventoryError)) throw e;
        }
      }
    }), { numRuns: 500 });
  });
});

describe('inventoryFingerprint', () => {
  const base = (over: Partial<AgentInventory>): AgentInventory => ({
    deviceid: 'd', itemtype: 'Computer', name: 'n', uuid: null, serial: null, manufacturer: null, model: null, os: null,
    last_boot: null, cpu: [], memory_mb: null, disks: [], networks: [], software: [], antivirus: [], macs: [], warnings: [], ...over,
  });

  it('normalises serial, UUID and MACs', () => {
    expect(inventoryFingerprint(base({ serial: '  cz c0479792 ', uuid: ' 33E737A8-F827-11DF-9297-47C0A301005A ', macs: ['68:b5:99:e6:84:eb', '00:22:10:d4:3e:74', '68:b5:99:e6:84:eb'] })))
      .toEqual({ serial: 'CZ C0479792', uuid: '33e737a8-f827-11df-9297-47c0a301005a', macs: ['00:22:10:d4:3e:74', '68:b5:99:e6:84:eb'] });
  });

  it('treats placeholder serials and UUIDs as unknown', () => {
    for (const serial of ['To be filled by O.E.M.', 'Default string', '0', 'None', 'System Serial Number', '', '   ', '0000000000', 'N/A', 'Not Specified']) {
      expect(inventoryFingerprint(base({ serial })).serial).toBeNull();
    }
    for (const uuid of ['00000000-0000-0000-0000-000000000000', 'FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF', '03000200-0400-0500-0006-000700080009', '']) {
      expect(inventoryFingerprint(base({ uuid })).uuid).toBeNull();
    }
  });

  it('fixture fingerprints', () => {
    expect(inventoryFingerprint(parseFusionInventoryXml(fixture('xml/2.xml')))).toEqual({
      serial: 'CZC0479792', uuid: '33e737a8-f827-11df-9297-47c0a301005a',
      macs: ['00:22:10:d4:3e:74', '00:27:15:d4:3e:75', '00:ff:3a:68:62:80', '61:b5:99:e6:84:ea', '68:b5:99:e6:84:eb', '74:f3:95:c7:e8:c2'],
    });
    // The same machine (LF014) inventoried by both agents gives the same UUID.
    expect(inventoryFingerprint(parseGlpiAgentJson(fixture('examples/computer_3.json'))).uuid)
      .toBe(inventoryFingerprint(parseFusionInventoryXml(fixture('xml/1.xml'))).uuid);
  });

  it('normalizeMac', () => {
    expect(normalizeMac('AA-BB-CC-DD-EE-FF')).toBe('aa:bb:cc:dd:ee:ff');
    expect(normalizeMac('aabb.ccdd.eeff')).toBe('aa:bb:cc:dd:ee:ff');
    expect(normalizeMac('aa:bb:cc')).toBeNull();
    expect(normalizeMac(42)).toBeNull();
  });
});
