import { describe, expect, it } from 'vitest';
import { LagClock, parseLsn } from '../../src/platform/db/replica.js';

describe('WAL positions', () => {
  it('reads PostgreSQL’s pg_lsn text as one number, ordered as the WAL is', () => {
    expect(parseLsn('0/3000148')).toBe(0x3000148n);
    expect(parseLsn('1/0')).toBe(1n << 32n);
    expect(parseLsn('1/0')! > parseLsn('0/FFFFFFFF')!).toBe(true);
    expect(parseLsn(null)).toBeUndefined();
    expect(parseLsn('garbage')).toBeUndefined();
  });
});

describe('the replica’s lag', () => {
  it('is the age of the oldest primary position not yet replayed, and 0 once replayed', () => {
    const lag = new LagClock();
    expect(lag.lagMs(1_000)).toBe(0);
    lag.primaryAt(100n, 1_000);
    lag.primaryAt(200n, 1_250);
    lag.primaryAt(200n, 1_500); // the primary did not move: no new sample
    expect(lag.lagMs(2_000)).toBe(1_000);
    lag.replayedTo(150n);
    expect(lag.lagMs(2_000)).toBe(750);
    lag.replayedTo(200n);
    expect(lag.lagMs(2_000)).toBe(0);
  });

  it('an idle primary makes no lag, however old the replica’s last replayed transaction', () => {
    const lag = new LagClock();
    lag.primaryAt(100n, 0);
    lag.replayedTo(100n);
    lag.primaryAt(100n, 60_000);
    expect(lag.lagMs(120_000)).toBe(0);
  });

  it('keeps its samples bounded while the replica stands still, never underestimating the lag', () => {
    const lag = new LagClock();
    for (let i = 1; i <= 10_000; i++) lag.primaryAt(BigInt(i), i);
    expect(lag.lagMs(20_000)).toBe(20_000 - 1);
    lag.replayedTo(5_000n);
    expect(lag.lagMs(20_000)).toBeGreaterThanOrEqual(20_000 - 5_001);
  });
});
