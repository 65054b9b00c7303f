// "When?" for enqueueing later and rescheduling: 1 min, 10 min, 1 h, or a typed duration.
import * as vscode from 'vscode';

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, min: 60_000, h: 3_600_000, d: 86_400_000 };

/** "90s", "10m", "1.5h", "2d", or a bare number of minutes; undefined when it is none of them. */
export function parseDelay(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(s|m|min|h|d)?\s*$/i.exec(text);
  if (!m) return undefined;
  const ms = Number(m[1]) * UNIT_MS[(m[2] ?? 'm').toLowerCase()];
  return Number.isFinite(ms) && ms > 0 && ms <= 10 * 365 * UNIT_MS.d ? Math.round(ms) : undefined;
}

/** Asks for a delay in ms; undefined when cancelled. */
export async function pickDelay(title: string): Promise<number | undefined> {
  const custom = vscode.l10n.t('Custom…');
  const items: (vscode.QuickPickItem & { ms?: number })[] = [
    { label: vscode.l10n.t('In 1 minute'), ms: UNIT_MS.m },
    { label: vscode.l10n.t('In 10 minutes'), ms: 10 * UNIT_MS.m },
    { label: vscode.l10n.t('In 1 hour'), ms: UNIT_MS.h },
    { label: custom, description: vscode.l10n.t('e.g. 90s, 30m, 2h, 1d') },
  ];
  const picked = await vscode.window.showQuickPick(items, { title, placeHolder: vscode.l10n.t('When should the job be due?') });
  if (!picked) return undefined;
  if (picked.ms !== undefined) return picked.ms;
  const typed = await vscode.window.showInputBox({
    title,
    prompt: vscode.l10n.t('Delay before the job is due: a number with s, m, h or d (minutes when no unit is given)'),
    validateInput: (v) => (parseDelay(v) === undefined ? vscode.l10n.t('Not a delay: try 90s, 30m, 2h or 1d') : undefined),
  });
  return typed === undefined ? undefined : parseDelay(typed);
}
