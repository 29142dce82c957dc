import type { Config } from '../../config.js';

/** When the endpoints below last changed: clients compare it to know when to read them again. */
export const DISCOVERY_CHANGESET = '2026-12-07T00:00:00+08:00';

/** The GeoReport v2 specification's address, as discovery documents name it. */
const SPECIFICATION = 'http://wiki.open311.org/GeoReport_v2';

export interface Open311Discovery {
  changeset: string;
  contact: string;
  key_service: string;
  endpoints: {
    specification: string;
    url: string;
    changeset: string;
    type: 'production' | 'test';
    formats: string[];
  }[];
}

/**
 * The service discovery document (wiki.open311.org/Service_Discovery): the one GeoReport v2
 * endpoint, at PUBLIC_URL, in both formats. `contact` and `key_service` tell people where to
 * turn: the community office, and the channel token of each community's QR code.
 */
export function discoveryDocument(config: Pick<Config, 'publicUrl'>): Open311Discovery {
  return {
    changeset: DISCOVERY_CHANGESET,
    contact: '请联系所在社区居委会；平台运维请联系本市城市运行管理中心。',
    key_service: 'api_key 为各社区二维码中的渠道令牌（channel token），向所在社区索取；它只能向该社区提交诉求。',
    endpoints: [
      {
        specification: SPECIFICATION,
        url: `${config.publicUrl.replace(/\/$/, '')}/open311/v2`,
        changeset: DISCOVERY_CHANGESET,
        type: 'production',
        formats: ['text/xml', 'application/json'],
      },
    ],
  };
}
