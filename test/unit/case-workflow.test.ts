import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ACTOR_ROLES,
  allowedActions,
  CALLER_ACTIONS,
  CASE_STATES,
  FINAL_STATES,
  targetState,
  WORKFLOW,
  type ActorRole,
  type CaseStateName,
} from '../../src/modules/cases/case.workflow.js';

const officer = new Set<ActorRole>(['OFFICER']);
const worker = new Set<ActorRole>(['GRID_WORKER']);
const both = new Set<ActorRole>(['OFFICER', 'GRID_WORKER']);

describe('the case workflow: what each role may do in each state', () => {
  it('an officer registers or rejects a fresh report; a grid worker may do neither', () => {
    expect(allowedActions('REPORTED', officer)).toEqual(['REGISTER', 'REJECT']);
    expect(allowedActions('REPORTED', worker)).toEqual([]);
  });

  it('a dispatched case is started by either role, but only an officer re-dispatches or suspends it', () => {
    expect(allowedActions('DISPATCHED', officer)).toEqual(['DISPATCH', 'START', 'SUSPEND']);
    expect(allowedActions('DISPATCHED', worker)).toEqual(['START']);
  });

  it('a resolved case is verified or failed by either role', () => {
    expect(allowedActions('RESOLVED', worker)).toEqual(['VERIFY', 'FAIL_VERIFICATION']);
    expect(allowedActions('RESOLVED', officer)).toEqual(['VERIFY', 'FAIL_VERIFICATION']);
  });

  it('only an officer closes a verified case and resumes a suspended one', () => {
    expect(allowedActions('VERIFIED', officer)).toEqual(['CLOSE']);
    expect(allowedActions('VERIFIED', worker)).toEqual([]);
    expect(allowedActions('SUSPENDED', officer)).toEqual(['RESUME']);
    expect(allowedActions('SUSPENDED', worker)).toEqual([]);
  });

  it('no one may act on a closed or rejected case', () => {
    for (const state of FINAL_STATES) expect(allowedActions(state, new Set(ACTOR_ROLES))).toEqual([]);
  });

  it('OPEN and ESCALATE are never offered to a caller, even to the hub itself', () => {
    expect(CALLER_ACTIONS).not.toContain('OPEN');
    expect(CALLER_ACTIONS).not.toContain('ESCALATE');
    for (const state of CASE_STATES) expect(allowedActions(state, new Set(['SYSTEM']))).toEqual([]);
  });

  it('holding two roles allows exactly the union of what each allows, in the table order', () => {
    fc.assert(
      fc.property(fc.constantFrom(...CASE_STATES), (state) => {
        const union = new Set([...allowedActions(state, officer), ...allowedActions(state, worker)]);
        expect(allowedActions(state, both)).toEqual(CALLER_ACTIONS.filter((a) => union.has(a)));
      }),
    );
  });

  it('an allowed action always starts from the state and is open to one of the roles (the table, read back)', () => {
    fc.assert(
      fc.property(fc.constantFrom(...CASE_STATES), fc.subarray([...ACTOR_ROLES]), (state, roles) => {
        for (const action of allowedActions(state, new Set(roles))) {
          expect(WORKFLOW[action].from).toContain(state);
          expect(WORKFLOW[action].by.some((r) => roles.includes(r))).toBe(true);
        }
      }),
    );
  });
});

describe('the case workflow: where an action leads', () => {
  it('the closed loop, step by step', () => {
    const loop: [Parameters<typeof targetState>[0], CaseStateName][] = [
      ['REGISTER', 'REGISTERED'],
      ['DISPATCH', 'DISPATCHED'],
      ['START', 'IN_PROGRESS'],
      ['RESOLVE', 'RESOLVED'],
      ['VERIFY', 'VERIFIED'],
      ['CLOSE', 'CLOSED'],
    ];
    let state: CaseStateName = 'REPORTED';
    for (const [action, expected] of loop) {
      expect(allowedActions(state, both)).toContain(action);
      state = targetState(action, state, null);
      expect(state).toBe(expected);
    }
  });

  it('a failed verification sends the case back to dispatch and counts as a reopening', () => {
    expect(targetState('FAIL_VERIFICATION', 'RESOLVED', null)).toBe('DISPATCHED');
    expect(WORKFLOW.FAIL_VERIFICATION.reopens).toBe(true);
  });

  it('resuming returns to the state the case was suspended from, or REGISTERED when that is unknown', () => {
    expect(targetState('RESUME', 'SUSPENDED', 'IN_PROGRESS')).toBe('IN_PROGRESS');
    expect(targetState('RESUME', 'SUSPENDED', 'DISPATCHED')).toBe('DISPATCHED');
    expect(targetState('RESUME', 'SUSPENDED', null)).toBe('REGISTERED');
  });

  it('escalation keeps the state (only the deadline and the level move)', () => {
    for (const state of WORKFLOW.ESCALATE.from) expect(targetState('ESCALATE', state, null)).toBe(state);
  });

  it('only dispatching names an assignee', () => {
    expect(CALLER_ACTIONS.filter((a) => WORKFLOW[a].needsAssignee)).toEqual(['DISPATCH']);
  });

  it('every state but the final ones can be left by some caller action; every state can be reached', () => {
    for (const state of CASE_STATES) {
      if (!FINAL_STATES.includes(state)) expect(allowedActions(state, both).length).toBeGreaterThan(0);
    }
    const reached = new Set<CaseStateName>(['REPORTED']);
    for (const action of CALLER_ACTIONS) for (const from of WORKFLOW[action].from) reached.add(targetState(action, from, 'REGISTERED'));
    expect([...reached].sort()).toEqual([...CASE_STATES].sort());
  });
});
