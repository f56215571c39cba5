/** Vehicles common on Moroccan roads, with the years each model was sold and typical engines. */
export const VEHICLES: { make: string; models: { name: string; from: number; to: number; engines: string[] }[] }[] = [
  { make: 'Dacia', models: [
    { name: 'Logan', from: 2004, to: 2022, engines: ['1.4 MPI', '1.5 dCi', '1.6 16V'] },
    { name: 'Sandero', from: 2008, to: 2023, engines: ['1.2 16V', '1.5 dCi', '0.9 TCe'] },
    { name: 'Duster', from: 2010, to: 2024, engines: ['1.5 dCi', '1.6 SCe', '1.3 TCe'] },
    { name: 'Dokker', from: 2012, to: 2021, engines: ['1.5 dCi', '1.6 MPI'] },
    { name: 'Lodgy', from: 2012, to: 2022, engines: ['1.5 dCi', '1.6 MPI'] },
  ] },
  { make: 'Renault', models: [
    { name: 'Clio', from: 2005, to: 2023, engines: ['1.2 16V', '1.5 dCi', '0.9 TCe'] },
    { name: 'Megane', from: 2008, to: 2022, engines: ['1.5 dCi', '1.6 16V', '1.2 TCe'] },
    { name: 'Kangoo', from: 2008, to: 2023, engines: ['1.5 dCi', '1.6 16V'] },
    { name: 'Symbol', from: 2008, to: 2020, engines: ['1.2 16V', '1.5 dCi'] },
    { name: 'Captur', from: 2013, to: 2024, engines: ['0.9 TCe', '1.5 dCi', '1.3 TCe'] },
  ] },
  { make: 'Peugeot', models: [
    { name: '206', from: 1998, to: 2012, engines: ['1.4 HDi', '1.1i', '1.6 HDi'] },
    { name: '208', from: 2012, to: 2024, engines: ['1.2 PureTech', '1.6 HDi', '1.5 BlueHDi'] },
    { name: '301', from: 2012, to: 2022, engines: ['1.6 HDi', '1.2 PureTech'] },
    { name: '308', from: 2007, to: 2023, engines: ['1.6 HDi', '1.2 PureTech', '2.0 HDi'] },
    { name: 'Partner', from: 2008, to: 2022, engines: ['1.6 HDi', '1.5 BlueHDi'] },
    { name: '3008', from: 2009, to: 2024, engines: ['1.6 HDi', '1.5 BlueHDi', '1.2 PureTech'] },
  ] },
  { make: 'Citroën', models: [
    { name: 'C3', from: 2002, to: 2024, engines: ['1.4 HDi', '1.2 PureTech', '1.6 HDi'] },
    { name: 'C4', from: 2004, to: 2023, engines: ['1.6 HDi', '1.2 PureTech'] },
    { name: 'Berlingo', from: 2008, to: 2023, engines: ['1.6 HDi', '1.5 BlueHDi'] },
    { name: 'C-Elysée', from: 2012, to: 2022, engines: ['1.6 HDi', '1.2 PureTech'] },
  ] },
  { make: 'Volkswagen', models: [
    { name: 'Golf', from: 2003, to: 2024, engines: ['1.6 TDI', '2.0 TDI', '1.4 TSI'] },
    { name: 'Polo', from: 2002, to: 2024, engines: ['1.2 TSI', '1.6 TDI', '1.4 TDI'] },
    { name: 'Passat', from: 2005, to: 2023, engines: ['2.0 TDI', '1.6 TDI'] },
    { name: 'Caddy', from: 2004, to: 2023, engines: ['1.6 TDI', '2.0 TDI'] },
    { name: 'Touareg', from: 2003, to: 2022, engines: ['3.0 TDI', '2.5 TDI'] },
  ] },
  { make: 'Toyota', models: [
    { name: 'Corolla', from: 2002, to: 2024, engines: ['1.4 D-4D', '1.6 VVT-i', '1.8 Hybrid'] },
    { name: 'Yaris', from: 2005, to: 2024, engines: ['1.0 VVT-i', '1.5 Hybrid', '1.4 D-4D'] },
    { name: 'Hilux', from: 2005, to: 2024, engines: ['2.5 D-4D', '2.4 D-4D', '3.0 D-4D'] },
    { name: 'Land Cruiser', from: 2003, to: 2023, engines: ['3.0 D-4D', '2.8 D-4D'] },
    { name: 'RAV4', from: 2006, to: 2024, engines: ['2.2 D-4D', '2.5 Hybrid'] },
  ] },
  { make: 'Hyundai', models: [
    { name: 'i10', from: 2008, to: 2024, engines: ['1.0 MPI', '1.2 MPI'] },
    { name: 'i20', from: 2009, to: 2024, engines: ['1.2 MPI', '1.4 CRDi'] },
    { name: 'Accent', from: 2006, to: 2023, engines: ['1.4 MPI', '1.5 CRDi', '1.6 CRDi'] },
    { name: 'Tucson', from: 2004, to: 2024, engines: ['2.0 CRDi', '1.6 T-GDi', '1.7 CRDi'] },
  ] },
  { make: 'Kia', models: [
    { name: 'Picanto', from: 2004, to: 2024, engines: ['1.0 MPI', '1.2 MPI'] },
    { name: 'Rio', from: 2005, to: 2023, engines: ['1.4 MPI', '1.4 CRDi'] },
    { name: 'Sportage', from: 2004, to: 2024, engines: ['2.0 CRDi', '1.7 CRDi', '1.6 T-GDi'] },
    { name: 'Cerato', from: 2004, to: 2022, engines: ['1.6 CRDi', '1.6 MPI'] },
  ] },
  { make: 'Fiat', models: [
    { name: 'Punto', from: 1999, to: 2018, engines: ['1.2 8V', '1.3 Multijet'] },
    { name: 'Uno', from: 1990, to: 2013, engines: ['1.0 Fire', '1.4 i.e.'] },
    { name: 'Doblo', from: 2001, to: 2022, engines: ['1.3 Multijet', '1.6 Multijet'] },
    { name: 'Tipo', from: 2016, to: 2024, engines: ['1.4 16V', '1.6 Multijet'] },
    { name: 'Palio', from: 1997, to: 2017, engines: ['1.2 8V', '1.7 TD'] },
  ] },
  { make: 'Ford', models: [
    { name: 'Fiesta', from: 2002, to: 2023, engines: ['1.25 Duratec', '1.4 TDCi', '1.0 EcoBoost'] },
    { name: 'Focus', from: 2004, to: 2024, engines: ['1.6 TDCi', '1.0 EcoBoost', '1.5 TDCi'] },
    { name: 'Ranger', from: 2006, to: 2024, engines: ['2.2 TDCi', '3.2 TDCi', '2.0 EcoBlue'] },
    { name: 'Transit', from: 2006, to: 2024, engines: ['2.2 TDCi', '2.0 EcoBlue'] },
  ] },
  { make: 'Mercedes-Benz', models: [
    { name: 'Classe C', from: 2000, to: 2024, engines: ['C 220 CDI', 'C 200', 'C 180'] },
    { name: 'Classe E', from: 2002, to: 2024, engines: ['E 220 CDI', 'E 250 CDI', 'E 200'] },
    { name: 'Sprinter', from: 2006, to: 2024, engines: ['2.1 CDI', '3.0 CDI'] },
    { name: 'Vito', from: 2003, to: 2024, engines: ['2.1 CDI', '2.2 CDI'] },
  ] },
];

/** Part types by category, with a price band in MAD (whole dirhams) and the makers that produce them. */
export const PART_TYPES: { category: string; names: string[]; price: [number, number]; brands: string[]; core?: boolean }[] = [
  { category: 'brakes', names: ['Plaquettes de frein avant', 'Plaquettes de frein arrière', 'Disque de frein avant', 'Tambour de frein arrière', 'Étrier de frein avant', 'Maître-cylindre de frein'], price: [150, 2200], brands: ['Bosch', 'TRW', 'Brembo', 'Ferodo', 'Valeo', 'Textar'], core: true },
  { category: 'filters', names: ['Filtre à huile', 'Filtre à air', 'Filtre à gasoil', 'Filtre d’habitacle', 'Filtre à essence'], price: [40, 450], brands: ['Mann-Filter', 'Purflux', 'Bosch', 'Mahle', 'Fram'] },
  { category: 'engine', names: ['Kit de distribution', 'Pompe à eau', 'Joint de culasse', 'Courroie d’accessoires', 'Bougie de préchauffage', 'Bougie d’allumage', 'Turbocompresseur', 'Injecteur diesel'], price: [60, 9000], brands: ['Gates', 'SKF', 'Dayco', 'NGK', 'Bosch', 'Delphi', 'Garrett', 'Elring'], core: true },
  { category: 'transmission', names: ['Kit d’embrayage', 'Volant moteur bimasse', 'Cardan avant gauche', 'Butée d’embrayage', 'Boîte de vitesses'], price: [400, 14000], brands: ['LuK', 'Valeo', 'Sachs', 'GKN', 'SKF'], core: true },
  { category: 'suspension_steering', names: ['Amortisseur avant', 'Amortisseur arrière', 'Rotule de direction', 'Biellette de barre stabilisatrice', 'Triangle de suspension avant', 'Crémaillère de direction'], price: [120, 6000], brands: ['Monroe', 'Sachs', 'KYB', 'TRW', 'Febi Bilstein', 'Moog'], core: true },
  { category: 'electrical', names: ['Alternateur', 'Démarreur', 'Batterie 70Ah', 'Capteur ABS', 'Sonde lambda', 'Bobine d’allumage'], price: [200, 4500], brands: ['Valeo', 'Bosch', 'Denso', 'Varta', 'Hella', 'NGK'], core: true },
  { category: 'lighting', names: ['Phare avant gauche', 'Phare avant droit', 'Feu arrière gauche', 'Ampoule H7', 'Antibrouillard avant'], price: [30, 3800], brands: ['Valeo', 'Hella', 'Philips', 'Osram', 'Depo'] },
  { category: 'body', names: ['Pare-chocs avant', 'Rétroviseur gauche', 'Capot moteur', 'Aile avant droite', 'Portière avant gauche', 'Calandre'], price: [250, 7000], brands: ['Origine', 'Van Wezel', 'Blic', 'Prasco'] },
  { category: 'interior', names: ['Lève-vitre avant gauche', 'Commodo de phares', 'Compteur de vitesse', 'Siège conducteur', 'Tapis de sol'], price: [80, 3500], brands: ['Origine', 'Valeo', 'Magneti Marelli', 'Febi Bilstein'] },
  { category: 'cooling', names: ['Radiateur de refroidissement', 'Thermostat', 'Ventilateur de radiateur', 'Radiateur de chauffage', 'Vase d’expansion'], price: [90, 3200], brands: ['Valeo', 'Nissens', 'Behr', 'Mahle', 'NRF'] },
  { category: 'exhaust', names: ['Silencieux arrière', 'Catalyseur', 'Filtre à particules', 'Collecteur d’échappement', 'Vanne EGR'], price: [300, 9000], brands: ['Bosal', 'Walker', 'Eberspächer', 'Pierburg', 'Valeo'], core: true },
  { category: 'fuel', names: ['Pompe à carburant', 'Pompe d’injection', 'Régulateur de pression', 'Jauge à carburant'], price: [250, 8000], brands: ['Bosch', 'Delphi', 'Pierburg', 'VDO'], core: true },
  { category: 'wheels_tires', names: ['Pneu 185/65 R15', 'Pneu 205/55 R16', 'Jante alu 15 pouces', 'Roulement de roue avant', 'Moyeu de roue arrière'], price: [250, 2500], brands: ['Michelin', 'Continental', 'Bridgestone', 'SKF', 'FAG'] },
  { category: 'other', names: ['Kit de joints', 'Support moteur', 'Câble d’accélérateur', 'Essuie-glace avant'], price: [30, 1200], brands: ['Febi Bilstein', 'Corteco', 'Bosch', 'Valeo'] },
];

export const DESCRIPTIONS = [
  'Pièce contrôlée avant expédition.',
  'Montage sans modification, conforme aux spécifications du constructeur.',
  'Livrée avec sa notice de montage.',
  'Emballage d’origine, jamais montée.',
  'Testée sur banc, fonctionnement garanti.',
  'Démontée sur véhicule roulant, bon état général.',
  'Remise à neuf en atelier, joints et roulements remplacés.',
];
