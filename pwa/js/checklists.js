// The on-site verification checklist: the ids of backend/data/checklists.json "verification" (tests/test_pwa.py
// checks they agree); the labels are in i18n/*.json as checklist.verification.<id>.
export const VERIFICATION = [
  { id: 'address_matches', required: true },
  { id: 'rooms_match', required: true },
  { id: 'fire_self_check_confirmed', required: true },
  { id: 'doorplate_posted', required: false },
  { id: 'landlord_present', required: false },
];
