// The landlord's fire-safety self-check when declaring: backend/data/checklists.json "fire_self_check" (tests/test_pwa_landlord.py
// checks they agree); labels in i18n/*.json as checklist.fire_self_check.<id>.
export const FIRE_SELF_CHECK = [
  { id: 'extinguisher', required: true },
  { id: 'smoke_alarm', required: true },
  { id: 'escape_route', required: true },
  { id: 'no_ebike_indoor_charging', required: true },
  { id: 'wiring', required: true },
  { id: 'gas_safety', required: false },
];
