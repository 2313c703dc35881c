/**
 * The demo clients: a bakery chain on two sites and a law firm on one, with their people and a
 * realistic small-business estate. Pure data; src/app/demo.ts loads it.
 */
import type { AssetType, RelationKind } from '../modules/inventory/schema.ts';
import type { ClientRole } from '../modules/tenancy/roles.ts';

export interface DemoPerson {
  email: string;
  name: string;
  roles: ClientRole[];
}

export interface DemoSite {
  name: string;
  address: string;
  city: string;
  notes?: string;
}

export interface DemoAsset {
  name: string;
  type: AssetType;
  /** 1 (most critical) to 4. */
  criticality: 1 | 2 | 3 | 4;
  /** The site's name, or null for cloud services. */
  site: string | null;
  manufacturer?: string;
  model?: string;
  serial?: string;
  ip_address?: string;
  /** End of warranty or support, as YYYY-MM-DD. */
  warranty_end?: string;
  owner?: string;
  location?: string;
  business_impact?: string;
  tags?: string[];
  custom_fields?: Record<string, string | number | boolean>;
  notes?: string;
}

/** "from <kind> to", by asset names. */
export type DemoRelation = readonly [from: string, kind: RelationKind, to: string];

export interface DemoClient {
  name: string;
  slug: string;
  notes: string;
  people: DemoPerson[];
  sites: DemoSite[];
  assets: DemoAsset[];
  relations: DemoRelation[];
}

const LYON = 'Lyon — Siège et fournil';
const VILLEURBANNE = 'Villeurbanne — Boutique';
const PARIS = 'Paris — Cabinet';

export const DEMO_CLIENTS: readonly DemoClient[] = [
  {
    name: 'Boulangeries Durand',
    slug: 'boulangeries-durand',
    notes: 'Boulangerie-pâtisserie artisanale, 2 sites, 35 salariés. Contrat d’infogérance globale depuis 2024.',
    people: [
      { email: 'sophie.girard@boulangeries-durand.example', name: 'Sophie Girard', roles: ['technical_referent'] },
      { email: 'marc.durand@boulangeries-durand.example', name: 'Marc Durand', roles: ['steering_referent'] },
      { email: 'elodie.petit@boulangeries-durand.example', name: 'Élodie Petit', roles: ['user'] },
      { email: 'pierre.roux@boulangeries-durand.example', name: 'Pierre Roux', roles: ['auditor'] },
    ],
    sites: [
      { name: LYON, address: '12 rue de la République, 69002', city: 'Lyon', notes: 'Salle serveur au sous-sol, à côté du fournil (surveiller la température).' },
      { name: VILLEURBANNE, address: '48 cours Émile Zola, 69100', city: 'Villeurbanne', notes: 'Boutique : caisse et tablette de commandes.' },
    ],
    assets: [
      { name: 'FW-LYON-01', type: 'firewall', criticality: 1, site: LYON, manufacturer: 'Fortinet', model: 'FortiGate 60F', serial: 'FGT60FTK21091834', ip_address: '192.168.10.1', warranty_end: '2027-03-31', location: 'Baie réseau, sous-sol', business_impact: 'Plus d’accès internet ni de VPN entre les sites : caisses et commandes en ligne arrêtées.', tags: ['réseau', 'périmètre', 'vpn'] },
      { name: 'FW-VLB-01', type: 'firewall', criticality: 2, site: VILLEURBANNE, manufacturer: 'Fortinet', model: 'FortiGate 40F', serial: 'FGT40FTK22004571', ip_address: '192.168.20.1', warranty_end: '2027-03-31', location: 'Arrière-boutique', business_impact: 'La boutique perd la liaison avec le siège ; la caisse passe en mode dégradé.', tags: ['réseau', 'périmètre', 'vpn'] },
      { name: 'SW-LYON-01', type: 'switch', criticality: 1, site: LYON, manufacturer: 'HPE Aruba', model: '2930F 24G PoE+', serial: 'CN12KP305R', ip_address: '192.168.10.2', warranty_end: '2029-06-30', location: 'Baie réseau, sous-sol', tags: ['réseau', 'cœur'] },
      { name: 'SW-VLB-01', type: 'switch', criticality: 2, site: VILLEURBANNE, manufacturer: 'HPE Aruba', model: 'Instant On 1930 8G', serial: 'VN2AKS0142', ip_address: '192.168.20.2', warranty_end: '2028-01-15', location: 'Arrière-boutique', tags: ['réseau'] },
      { name: 'AP-LYON-01', type: 'access_point', criticality: 3, site: LYON, manufacturer: 'HPE Aruba', model: 'Instant On AP22', serial: 'CNKJ9ZV0T1', ip_address: '192.168.10.5', warranty_end: '2028-01-15', location: 'Bureaux, 1er étage', tags: ['réseau', 'wifi'] },
      { name: 'SRV-HV-01', type: 'server', criticality: 1, site: LYON, manufacturer: 'Dell', model: 'PowerEdge R650xs', serial: '7QXK3J3', ip_address: '192.168.10.10', warranty_end: '2028-09-30', location: 'Baie serveur, U12', business_impact: 'Héberge l’annuaire et le serveur de fichiers : plus de connexion aux postes.', tags: ['hyperviseur', 'production', 'vmware'], custom_fields: { 'RAM (Go)': 128, 'Contrat support': 'ProSupport 4h' } },
      { name: 'SRV-HV-02', type: 'server', criticality: 1, site: LYON, manufacturer: 'Dell', model: 'PowerEdge R650xs', serial: '7QXK3J4', ip_address: '192.168.10.11', warranty_end: '2028-09-30', location: 'Baie serveur, U14', business_impact: 'Héberge la gestion commerciale : plus de commandes ni de facturation.', tags: ['hyperviseur', 'production', 'vmware'], custom_fields: { 'RAM (Go)': 128, 'Contrat support': 'ProSupport 4h' } },
      { name: 'VM-AD-01', type: 'vm', criticality: 1, site: LYON, manufacturer: 'Microsoft', model: 'Windows Server 2022 Standard', ip_address: '192.168.10.20', business_impact: 'Contrôleur de domaine, DNS et DHCP : plus d’ouverture de session.', tags: ['annuaire', 'production'] },
      { name: 'VM-FICHIERS-01', type: 'vm', criticality: 2, site: LYON, manufacturer: 'Microsoft', model: 'Windows Server 2022 Standard', ip_address: '192.168.10.21', business_impact: 'Partages de la comptabilité et des recettes inaccessibles.', tags: ['fichiers', 'production'] },
      { name: 'VM-ERP-01', type: 'vm', criticality: 1, site: LYON, manufacturer: 'Microsoft', model: 'Windows Server 2022 Standard', ip_address: '192.168.10.22', business_impact: 'Serveur de la gestion commerciale et de la base SQL.', tags: ['erp', 'production', 'sql'] },
      { name: 'NAS-LYON-01', type: 'nas', criticality: 2, site: LYON, manufacturer: 'Synology', model: 'RS1221+', serial: '2150RPR012345', ip_address: '192.168.10.30', warranty_end: '2026-11-30', location: 'Baie serveur, U8', business_impact: 'Dépôt des sauvegardes locales et des photos produits.', tags: ['stockage', 'sauvegarde'] },
      { name: 'BKP-VEEAM-01', type: 'backup_system', criticality: 1, site: LYON, manufacturer: 'Veeam', model: 'Backup & Replication 12', serial: 'LIC-VBR-0042-7781', ip_address: '192.168.10.31', warranty_end: '2026-06-30', business_impact: 'Sans sauvegarde, une panne ou un rançongiciel ferait perdre les données.', tags: ['sauvegarde', 'production'], custom_fields: { 'Rétention (jours)': 30, 'Copie externalisée': true } },
      { name: 'UPS-LYON-01', type: 'ups', criticality: 2, site: LYON, manufacturer: 'APC', model: 'Smart-UPS 1500 RM', serial: 'AS2214160532', ip_address: '192.168.10.40', warranty_end: '2026-04-30', location: 'Baie serveur, U1', notes: 'Batteries remplacées en 2024.', tags: ['énergie'] },
      { name: 'PRT-LYON-01', type: 'printer', criticality: 4, site: LYON, manufacturer: 'Brother', model: 'MFC-L8900CDW', serial: 'E78192K3N440123', ip_address: '192.168.10.50', warranty_end: '2025-12-31', location: 'Bureaux, 1er étage', tags: ['impression'] },
      { name: 'PC-LYON-COMPTA-01', type: 'workstation', criticality: 3, site: LYON, manufacturer: 'Lenovo', model: 'ThinkCentre M70q Gen 4', serial: 'MJ0H7K2L', ip_address: '192.168.10.101', warranty_end: '2027-02-28', owner: 'Comptabilité', location: 'Bureaux, 1er étage', tags: ['poste'] },
      { name: 'PC-LYON-DIR-01', type: 'workstation', criticality: 3, site: LYON, manufacturer: 'Dell', model: 'Latitude 5440', serial: 'H3T9XW3', ip_address: '192.168.10.102', warranty_end: '2027-05-31', owner: 'Marc Durand', location: 'Bureau de la direction', tags: ['poste', 'portable'] },
      { name: 'PC-LYON-FOURNIL-01', type: 'workstation', criticality: 3, site: LYON, manufacturer: 'Lenovo', model: 'ThinkCentre M70q Gen 4', serial: 'MJ0H7K3P', ip_address: '192.168.10.103', warranty_end: '2027-02-28', owner: 'Production', location: 'Fournil', notes: 'Affiche les commandes du jour ; poussière de farine : nettoyer tous les trimestres.', tags: ['poste', 'production'] },
      { name: 'PC-VLB-CAISSE-01', type: 'workstation', criticality: 2, site: VILLEURBANNE, manufacturer: 'Aures', model: 'Yuno II', serial: 'AUY2-230711-088', ip_address: '192.168.20.101', warranty_end: '2026-07-31', owner: 'Boutique', location: 'Comptoir', business_impact: 'Sans caisse, encaissement manuel uniquement.', tags: ['poste', 'caisse'] },
      { name: 'Sage 100 Gestion commerciale', type: 'business_application', criticality: 1, site: LYON, manufacturer: 'Sage', model: 'Sage 100 v12', serial: 'SAGE-100-GC-58812', owner: 'Marc Durand', business_impact: 'Commandes des clients professionnels, bons de livraison et facturation.', tags: ['erp', 'métier'] },
      { name: 'Logiciel de caisse', type: 'business_application', criticality: 2, site: VILLEURBANNE, manufacturer: 'Aures', model: 'Caisse Commerce 5', owner: 'Boutique', business_impact: 'Encaissement et remontée des ventes au siège.', tags: ['caisse', 'métier'] },
      { name: 'Microsoft 365', type: 'cloud_service', criticality: 1, site: null, manufacturer: 'Microsoft', model: 'Business Standard (18 licences)', business_impact: 'Messagerie, agenda et Teams de toute l’entreprise.', tags: ['saas', 'messagerie'], custom_fields: { Licences: 18, Renouvellement: '2026-01-31' } },
    ],
    relations: [
      ['SW-LYON-01', 'connected_to', 'FW-LYON-01'],
      ['SW-VLB-01', 'connected_to', 'FW-VLB-01'],
      ['AP-LYON-01', 'connected_to', 'SW-LYON-01'],
      ['SRV-HV-01', 'connected_to', 'SW-LYON-01'],
      ['SRV-HV-02', 'connected_to', 'SW-LYON-01'],
      ['NAS-LYON-01', 'connected_to', 'SW-LYON-01'],
      ['PC-VLB-CAISSE-01', 'connected_to', 'SW-VLB-01'],
      ['VM-AD-01', 'runs_on', 'SRV-HV-01'],
      ['VM-FICHIERS-01', 'runs_on', 'SRV-HV-01'],
      ['VM-ERP-01', 'runs_on', 'SRV-HV-02'],
      ['BKP-VEEAM-01', 'backs_up', 'NAS-LYON-01'],
      ['BKP-VEEAM-01', 'backs_up', 'VM-ERP-01'],
      ['BKP-VEEAM-01', 'backs_up', 'VM-FICHIERS-01'],
      ['Sage 100 Gestion commerciale', 'depends_on', 'VM-ERP-01'],
      ['Sage 100 Gestion commerciale', 'depends_on', 'SRV-HV-02'],
      ['Logiciel de caisse', 'depends_on', 'PC-VLB-CAISSE-01'],
    ],
  },
  {
    name: 'Cabinet Lefèvre Avocats',
    slug: 'cabinet-lefevre-avocats',
    notes: 'Cabinet d’avocats en droit des affaires, 14 personnes. Secret professionnel : données sensibles.',
    people: [
      { email: 'thomas.moreau@lefevre-avocats.example', name: 'Thomas Moreau', roles: ['technical_referent'] },
      { email: 'anne.lefevre@lefevre-avocats.example', name: 'Anne Lefèvre', roles: ['steering_referent'] },
      { email: 'julie.fontaine@lefevre-avocats.example', name: 'Julie Fontaine', roles: ['user'] },
      { email: 'nicolas.leroy@lefevre-avocats.example', name: 'Nicolas Leroy', roles: ['auditor'] },
    ],
    sites: [{ name: PARIS, address: '27 avenue de l’Opéra, 75001', city: 'Paris', notes: 'Local technique fermé à clé au 3e étage ; climatisation dédiée.' }],
    assets: [
      { name: 'FW-PAR-01', type: 'firewall', criticality: 1, site: PARIS, manufacturer: 'Stormshield', model: 'SN310', serial: 'SN310A19K0457', ip_address: '10.20.0.1', warranty_end: '2027-09-30', location: 'Local technique', business_impact: 'Plus d’accès internet, au RPVA ni au télétravail.', tags: ['réseau', 'périmètre', 'vpn'] },
      { name: 'SW-PAR-01', type: 'switch', criticality: 1, site: PARIS, manufacturer: 'Cisco', model: 'CBS350-24P-4G', serial: 'PSZ25031J8K', ip_address: '10.20.0.2', warranty_end: '2028-03-31', location: 'Local technique', tags: ['réseau', 'cœur'] },
      { name: 'SW-PAR-02', type: 'switch', criticality: 2, site: PARIS, manufacturer: 'Cisco', model: 'CBS350-24P-4G', serial: 'PSZ25031J9M', ip_address: '10.20.0.3', warranty_end: '2028-03-31', location: 'Local technique', tags: ['réseau'] },
      { name: 'AP-PAR-01', type: 'access_point', criticality: 3, site: PARIS, manufacturer: 'Ubiquiti', model: 'U6 Pro', serial: '7483C2A1B0F1', ip_address: '10.20.0.11', warranty_end: '2026-10-31', location: 'Open space', tags: ['réseau', 'wifi'] },
      { name: 'AP-PAR-02', type: 'access_point', criticality: 3, site: PARIS, manufacturer: 'Ubiquiti', model: 'U6 Pro', serial: '7483C2A1B0F2', ip_address: '10.20.0.12', warranty_end: '2026-10-31', location: 'Salle de réunion', tags: ['réseau', 'wifi', 'invités'] },
      { name: 'SRV-PAR-01', type: 'server', criticality: 1, site: PARIS, manufacturer: 'HPE', model: 'ProLiant DL380 Gen10 Plus', serial: 'CZJ2310K7P', ip_address: '10.20.0.10', warranty_end: '2028-05-31', location: 'Local technique, U20', business_impact: 'Héberge l’annuaire et la GED : plus d’accès aux dossiers clients.', tags: ['hyperviseur', 'production', 'hyper-v'], custom_fields: { 'RAM (Go)': 192, 'Contrat support': 'HPE Foundation Care 24x7' } },
      { name: 'SRV-PAR-02', type: 'server', criticality: 1, site: PARIS, manufacturer: 'HPE', model: 'ProLiant ML110 Gen11', serial: 'CZJ2405M2Q', ip_address: '10.20.0.13', warranty_end: '2029-02-28', location: 'Local technique, sol', business_impact: 'Serveur du logiciel de gestion du cabinet : plus de saisie des temps ni de facturation.', tags: ['production', 'métier'] },
      { name: 'VM-DC-01', type: 'vm', criticality: 1, site: PARIS, manufacturer: 'Microsoft', model: 'Windows Server 2022 Standard', ip_address: '10.20.0.20', business_impact: 'Contrôleur de domaine : plus d’ouverture de session.', tags: ['annuaire', 'production'] },
      { name: 'VM-GED-01', type: 'vm', criticality: 1, site: PARIS, manufacturer: 'Microsoft', model: 'Windows Server 2022 Standard', ip_address: '10.20.0.21', business_impact: 'Gestion électronique des documents : dossiers et actes des clients.', tags: ['ged', 'production', 'confidentiel'] },
      { name: 'NAS-PAR-01', type: 'nas', criticality: 2, site: PARIS, manufacturer: 'QNAP', model: 'TS-873A', serial: 'Q22BC01234', ip_address: '10.20.0.30', warranty_end: '2026-08-31', location: 'Local technique', business_impact: 'Cible des sauvegardes locales.', tags: ['stockage', 'sauvegarde', 'chiffré'] },
      { name: 'BKP-PAR-01', type: 'backup_system', criticality: 1, site: PARIS, manufacturer: 'Acronis', model: 'Cyber Protect Advanced', serial: 'ACR-CPA-55190', ip_address: '10.20.0.31', warranty_end: '2026-03-31', business_impact: 'Sauvegarde chiffrée, copie hors site quotidienne.', tags: ['sauvegarde', 'production'], custom_fields: { 'Rétention (jours)': 90, 'Copie externalisée': true } },
      { name: 'UPS-PAR-01', type: 'ups', criticality: 2, site: PARIS, manufacturer: 'Eaton', model: '5PX 1500i RT2U', serial: 'G215K23045', ip_address: '10.20.0.40', warranty_end: '2027-01-31', location: 'Local technique, U1', tags: ['énergie'] },
      { name: 'PRT-PAR-01', type: 'printer', criticality: 3, site: PARIS, manufacturer: 'Canon', model: 'imageRUNNER ADVANCE DX C3830i', serial: 'XWF04512', ip_address: '10.20.0.50', warranty_end: '2027-06-30', location: 'Couloir', notes: 'Impression sécurisée par badge.', tags: ['impression'] },
      { name: 'PC-PAR-ALEFEVRE', type: 'workstation', criticality: 3, site: PARIS, manufacturer: 'Apple', model: 'MacBook Pro 14 M3', serial: 'C02FK3N1Q6L4', ip_address: '10.20.0.101', warranty_end: '2027-04-30', owner: 'Anne Lefèvre', location: 'Bureau associée', tags: ['poste', 'portable', 'chiffré'] },
      { name: 'PC-PAR-TMOREAU', type: 'workstation', criticality: 3, site: PARIS, manufacturer: 'Lenovo', model: 'ThinkPad T14 Gen 4', serial: 'PF4LK9X2', ip_address: '10.20.0.102', warranty_end: '2027-03-31', owner: 'Thomas Moreau', location: 'Bureau 3', tags: ['poste', 'portable', 'chiffré'] },
      { name: 'PC-PAR-JFONTAINE', type: 'workstation', criticality: 3, site: PARIS, manufacturer: 'Lenovo', model: 'ThinkPad T14 Gen 4', serial: 'PF4LK9X7', ip_address: '10.20.0.103', warranty_end: '2027-03-31', owner: 'Julie Fontaine', location: 'Accueil', tags: ['poste', 'portable', 'chiffré'] },
      { name: 'PC-PAR-ACCUEIL', type: 'workstation', criticality: 4, site: PARIS, manufacturer: 'HP', model: 'ProDesk 400 G9', serial: 'CZC3127PQR', ip_address: '10.20.0.104', warranty_end: '2026-09-30', owner: 'Accueil', location: 'Accueil', tags: ['poste'] },
      { name: 'Standard téléphonique', type: 'phone_system', criticality: 2, site: PARIS, manufacturer: 'Wildix', model: 'WMS Business', serial: 'WDX-BUS-30817', ip_address: '10.20.0.60', warranty_end: '2026-12-31', business_impact: 'Plus d’appels entrants : les clients ne joignent plus le cabinet.', tags: ['téléphonie'] },
      { name: 'Secib Neo', type: 'business_application', criticality: 1, site: PARIS, manufacturer: 'Secib', model: 'Neo (gestion de cabinet)', serial: 'SECIB-NEO-77124', owner: 'Anne Lefèvre', business_impact: 'Dossiers, temps passés, facturation et comptabilité du cabinet.', tags: ['métier', 'facturation'] },
      { name: 'RPVA — e-Barreau', type: 'cloud_service', criticality: 1, site: null, manufacturer: 'Conseil national des barreaux', model: 'e-Barreau', business_impact: 'Communication électronique avec les juridictions : délais de procédure.', tags: ['saas', 'juridique'] },
      { name: 'Microsoft 365', type: 'cloud_service', criticality: 1, site: null, manufacturer: 'Microsoft', model: 'Business Premium (14 licences)', business_impact: 'Messagerie et agenda du cabinet.', tags: ['saas', 'messagerie'], custom_fields: { Licences: 14 } },
      { name: 'Lexis 360', type: 'licence', criticality: 3, site: null, manufacturer: 'LexisNexis', model: 'Lexis 360 Intelligence', serial: 'LN-360-FR-20931', warranty_end: '2026-02-28', business_impact: 'Recherche juridique (jurisprudence, doctrine).', tags: ['licence', 'juridique'] },
    ],
    relations: [
      ['SW-PAR-01', 'connected_to', 'FW-PAR-01'],
      ['SW-PAR-02', 'connected_to', 'SW-PAR-01'],
      ['AP-PAR-01', 'connected_to', 'SW-PAR-02'],
      ['AP-PAR-02', 'connected_to', 'SW-PAR-02'],
      ['SRV-PAR-01', 'connected_to', 'SW-PAR-01'],
      ['SRV-PAR-02', 'connected_to', 'SW-PAR-01'],
      ['NAS-PAR-01', 'connected_to', 'SW-PAR-01'],
      ['Standard téléphonique', 'connected_to', 'SW-PAR-01'],
      ['VM-DC-01', 'runs_on', 'SRV-PAR-01'],
      ['VM-GED-01', 'runs_on', 'SRV-PAR-01'],
      ['BKP-PAR-01', 'backs_up', 'NAS-PAR-01'],
      ['BKP-PAR-01', 'backs_up', 'VM-GED-01'],
      ['BKP-PAR-01', 'backs_up', 'SRV-PAR-02'],
      ['Secib Neo', 'depends_on', 'SRV-PAR-02'],
      ['Secib Neo', 'depends_on', 'VM-DC-01'],
    ],
  },
];
