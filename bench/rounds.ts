/** The options every autocannon bench takes: seconds a cell, warm-up seconds, rounds, connections. */
export const ROUND_OPTIONS = {
  duration: { type: 'string', default: '10' },
  warmup: { type: 'string', default: '3' },
  rounds: { type: 'string', default: '3' },
  connections: { type: 'string', default: '10' },
} as const;

export interface RoundSettings {
  readonly duration: number;
  readonly warmup: number;
  readonly rounds: number;
  readonly connections: number;
}

/** The parsed values of ROUND_OPTIONS as numbers. */
export function roundSettings(values: { duration: string; warmup: string; rounds: string; connections: string }): RoundSettings {
  return { duration: Number(values.duration), warmup: Number(values.warmup), rounds: Number(values.rounds), connections: Number(values.connections) };
}
