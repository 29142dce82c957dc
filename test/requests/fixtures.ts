import { expect } from 'vitest';
import { eq } from 'drizzle-orm';
import type { GqlOptions, GqlResponse, TestHub } from '../helpers/hub.js';
import { residentRequests } from '../../src/modules/requests/index.js';

/** Queries and small helpers the resident-request tests share. */

export const SUBMIT = /* GraphQL */ `
  mutation Submit($token: String!, $input: SubmitResidentRequestInput!) {
    submitResidentRequest(channelToken: $token, input: $input) { trackingCode status submittedAt }
  }
`;

export const STATUS = /* GraphQL */ `
  query Status($code: String!) {
    residentRequestStatus(trackingCode: $code) { trackingCode category status submittedAt reply repliedAt unit { code name } }
  }
`;

export const REQUEST_FIELDS = 'id trackingCode category text photoUrl location { lat lng } address contactName contactPhone maskedFields status reply repliedAt satisfaction submittedAt closedAt unit { code name }';

export const LIST = /* GraphQL */ `
  query List($filter: ResidentRequestFilter, $first: Int, $after: String) {
    residentRequests(filter: $filter, first: $first, after: $after) {
      totalCount
      edges { cursor node { ${REQUEST_FIELDS} } }
      pageInfo { hasNextPage endCursor }
    }
  }
`;

export const ONE = /* GraphQL */ `
  query One($id: ID!) { residentRequest(id: $id) { ${REQUEST_FIELDS} } }
`;

export const CHANNEL_FIELDS = 'id name active createdBy createdAt revokedAt community { code name tier }';

export const CREATE_CHANNEL = /* GraphQL */ `
  mutation Create($input: CreateChannelInput!) { createChannel(input: $input) { token channel { ${CHANNEL_FIELDS} } } }
`;
export const ROTATE_CHANNEL = /* GraphQL */ `
  mutation Rotate($id: ID!) { rotateChannelToken(id: $id) { token channel { ${CHANNEL_FIELDS} } } }
`;
export const REVOKE_CHANNEL = /* GraphQL */ `
  mutation Revoke($id: ID!) { revokeChannel(id: $id) { ${CHANNEL_FIELDS} } }
`;
export const CHANNELS = /* GraphQL */ `
  query Channels($communityCode: String, $first: Int, $after: String) {
    channels(communityCode: $communityCode, first: $first, after: $after) {
      totalCount
      edges { node { ${CHANNEL_FIELDS} } }
      pageInfo { hasNextPage endCursor }
    }
  }
`;

export const TRACKING_CODE = /^[23456789ABCDEFGHJKMNPQRSTVWXYZ]{12}$/;
export const CHANNEL_TOKEN = /^ghc_[A-Za-z0-9_-]{43}$/;
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
export const ISO_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
export const MISSING_ID = '00000000-0000-4000-8000-000000000000';

export interface ErrorBody {
  message: string;
  path?: (string | number)[];
  extensions?: Record<string, unknown>;
}

/** The single error of a failed call (`data: null`), checked to carry no stack trace. */
export function onlyError(response: GqlResponse, path: string): ErrorBody {
  expect(response.body.data ?? null).toBeNull();
  expect(response.body.errors).toHaveLength(1);
  const error = response.body.errors![0]!;
  expect(error.path).toEqual([path]);
  expect(JSON.stringify(error)).not.toMatch(/at .*\.(ts|js):\d+/);
  return error;
}

/** The data of a call that must have succeeded. */
export function ok<T>(response: GqlResponse<T>): T {
  expect(response.body.errors).toBeUndefined();
  expect(response.status).toBe(200);
  return response.body.data!;
}

export interface Submitted {
  trackingCode: string;
  status: string;
  submittedAt: string;
}

export async function submit(hub: TestHub, token: string, input: Record<string, unknown>, options: GqlOptions = {}): Promise<GqlResponse<{ submitResidentRequest: Submitted }>> {
  return hub.gql<{ submitResidentRequest: Submitted }>(SUBMIT, { token, input }, options);
}

export async function submitOk(hub: TestHub, token: string, input: Record<string, unknown>): Promise<Submitted> {
  return ok(await submit(hub, token, input)).submitResidentRequest;
}

export interface CreatedChannel {
  token: string;
  channel: { id: string; name: string; active: boolean; createdBy: string; createdAt: string; revokedAt: string | null; community: { code: string; name: string; tier: string } };
}

export async function createChannelOk(hub: TestHub, communityCode: string, name: string, as = 'city.admin'): Promise<CreatedChannel> {
  return ok(await hub.gql<{ createChannel: CreatedChannel }>(CREATE_CHANNEL, { input: { communityCode, name } }, { as })).createChannel;
}

/** A request's id by its tracking code, from the database (staff above the community see codes masked). */
export async function requestIdOf(hub: TestHub, trackingCode: string): Promise<string> {
  const [row] = await hub.database.db.select({ id: residentRequests.id }).from(residentRequests).where(eq(residentRequests.trackingCode, trackingCode));
  expect(row, trackingCode).toBeDefined();
  return row!.id;
}

/** A tracking code as staff who may not hold it see it: its last four characters. */
export const maskedCode = (code: string) => `********${code.slice(-4)}`;
