/**
 * Terminology (GB/T 30428, the closed loop of digital urban management)
 * - state: where a case stands. REPORTED (上报) → REGISTERED (立案) → DISPATCHED (派遣) →
 *   IN_PROGRESS (处置) → RESOLVED (反馈) → VERIFIED (核查) → CLOSED (结案); REJECTED (不予立案)
 *   ends a report that is not a case; SUSPENDED (挂账) parks a case that cannot be handled now.
 * - action: what moves a case from one state to another (an enumeration, never a free string).
 * - actor role: who may take an action. OFFICER: an officer or admin who may `handle` the case
 *   (at its unit or above, or at its assignee unit); GRID_WORKER: a grid worker who may do
 *   `fieldwork` on it (at its grid or its assignee grid); SYSTEM: the hub itself (rules, SLA).
 */
export const CASE_STATES = ['REPORTED', 'REGISTERED', 'DISPATCHED', 'IN_PROGRESS', 'RESOLVED', 'VERIFIED', 'CLOSED', 'REJECTED', 'SUSPENDED'] as const;
export type CaseStateName = (typeof CASE_STATES)[number];

export const CASE_ACTIONS = ['OPEN', 'REGISTER', 'REJECT', 'DISPATCH', 'START', 'RESOLVE', 'VERIFY', 'FAIL_VERIFICATION', 'CLOSE', 'SUSPEND', 'RESUME', 'ESCALATE'] as const;
export type CaseActionName = (typeof CASE_ACTIONS)[number];

export const ACTOR_ROLES = ['OFFICER', 'GRID_WORKER', 'SYSTEM'] as const;
export type ActorRole = (typeof ACTOR_ROLES)[number];

/** A state the case returns to: the state it was suspended from. */
const PREVIOUS = 'PREVIOUS' as const;

interface Step {
  readonly from: readonly CaseStateName[];
  readonly to: CaseStateName | typeof PREVIOUS;
  readonly by: readonly ActorRole[];
  /** The action names the unit that handles the case next (`assigneeUnitCode`). */
  readonly needsAssignee?: boolean;
  /** The case goes back round the loop: its reopen count grows. */
  readonly reopens?: boolean;
  /** The deadline starts again from the SLA table. */
  readonly renewsDeadline?: boolean;
}

/** States in which the SLA clock runs: an overdue case in one of them escalates. */
export const SLA_STATES: readonly CaseStateName[] = ['REPORTED', 'REGISTERED', 'DISPATCHED', 'IN_PROGRESS'];
/** States a case no longer leaves. */
export const FINAL_STATES: readonly CaseStateName[] = ['CLOSED', 'REJECTED'];

/**
 * THE table: every action, from which states, to which state, by whom. `transitionCase`
 * accepts exactly what it allows; anything else is CONFLICT listing what the caller may do.
 * OPEN and ESCALATE are not taken through `transitionCase` (openCase and the SLA sweeper).
 */
export const WORKFLOW: Readonly<Record<CaseActionName, Step>> = {
  OPEN: { from: [], to: 'REPORTED', by: ['OFFICER', 'GRID_WORKER', 'SYSTEM'] },
  REGISTER: { from: ['REPORTED'], to: 'REGISTERED', by: ['OFFICER'], renewsDeadline: true },
  REJECT: { from: ['REPORTED'], to: 'REJECTED', by: ['OFFICER'] },
  DISPATCH: { from: ['REGISTERED', 'DISPATCHED'], to: 'DISPATCHED', by: ['OFFICER'], needsAssignee: true, renewsDeadline: true },
  START: { from: ['DISPATCHED'], to: 'IN_PROGRESS', by: ['OFFICER', 'GRID_WORKER'] },
  RESOLVE: { from: ['IN_PROGRESS'], to: 'RESOLVED', by: ['OFFICER', 'GRID_WORKER'] },
  VERIFY: { from: ['RESOLVED'], to: 'VERIFIED', by: ['OFFICER', 'GRID_WORKER'] },
  FAIL_VERIFICATION: { from: ['RESOLVED'], to: 'DISPATCHED', by: ['OFFICER', 'GRID_WORKER'], reopens: true, renewsDeadline: true },
  CLOSE: { from: ['VERIFIED'], to: 'CLOSED', by: ['OFFICER'] },
  SUSPEND: { from: ['REGISTERED', 'DISPATCHED', 'IN_PROGRESS'], to: 'SUSPENDED', by: ['OFFICER'] },
  RESUME: { from: ['SUSPENDED'], to: PREVIOUS, by: ['OFFICER'], renewsDeadline: true },
  ESCALATE: { from: ['REPORTED', 'REGISTERED', 'DISPATCHED', 'IN_PROGRESS'], to: PREVIOUS, by: ['SYSTEM'], renewsDeadline: true },
};

/** Actions a caller may take through transitionCase, in the table's order. */
export const CALLER_ACTIONS: readonly CaseActionName[] = CASE_ACTIONS.filter((action) => action !== 'OPEN' && action !== 'ESCALATE');

/** The actions `roles` may take on a case in `state`. */
export function allowedActions(state: CaseStateName, roles: ReadonlySet<ActorRole>): CaseActionName[] {
  return CALLER_ACTIONS.filter((action) => {
    const step = WORKFLOW[action];
    return step.from.includes(state) && step.by.some((role) => roles.has(role));
  });
}

/** The state an action leads to; PREVIOUS resolves to where the case was suspended from (or stays). */
export function targetState(action: CaseActionName, current: CaseStateName, suspendedFrom: CaseStateName | null): CaseStateName {
  const to = WORKFLOW[action].to;
  if (to !== PREVIOUS) return to;
  return action === 'RESUME' ? (suspendedFrom ?? 'REGISTERED') : current;
}
