/** Messages for the contract refusals (stable ids of modules/contracts/service.ts), with their details. */
import type { TFunction } from 'i18next';
import i18next from 'i18next';
import { ApiError } from '../api.ts';
import { errorText } from '../shared/ui.tsx';

/** The text to show for an error of the contracts API: our own message for our ids, then the details. */
export function contractErrorText(t: TFunction, err: unknown): string {
  if (!(err instanceof ApiError)) return errorText(t, err);
  const key = `contracts.errors.${err.id}`;
  if (!i18next.exists(key)) return errorText(t, err);
  const d = err.details as unknown;
  let extra = '';
  if (err.id === 'bad_calendar' && Array.isArray(d)) extra = (d as { window: string; problems: string[] }[]).map((w) => `${w.window} : ${w.problems.join(' ; ')}`).join(' · ');
  else if (err.id === 'unknown_window' && Array.isArray(d)) extra = [...new Set((d as { window: string }[]).map((u) => u.window))].join(', ');
  else if (err.id === 'window_ids_not_unique' && d && typeof d === 'object') extra = ((d as { ids?: string[] }).ids ?? []).join(', ');
  else if (err.id === 'duplicate_priority' && d && typeof d === 'object') extra = ((d as { priorities?: number[] }).priorities ?? []).map((p) => `P${p}`).join(', ');
  else if ((err.id === 'unknown_site' || err.id === 'unknown_asset') && d && typeof d === 'object') extra = String(((d as { ids?: string[] }).ids ?? []).length);
  return extra ? `${t(key)} (${extra})` : t(key);
}
