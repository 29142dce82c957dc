/**
 * The demo hierarchy: Nantong (320600), Chongchuan district (320613) and its 16 street
 * offices with their real codes and names. Under each street, five communities and under
 * each community three grids. 曙光社区 (学田), 中央商务区社区 (文峰) and 互敬网格 (曙光) are
 * real names from the Chongchuan article; the other community and grid names are
 * illustrative, and community and grid codes follow the code scheme, not the official list.
 */
export const CITY = { code: '320600', name: '南通市' } as const;
export const DISTRICT = { code: '320613', name: '崇川区' } as const;

export const STREETS: readonly { code: string; name: string; communities: readonly string[] }[] = [
  { code: '320613001', name: '城东街道', communities: ['城东社区', '青年社区', '朝晖社区', '东景社区', '海港社区'] },
  { code: '320613002', name: '和平桥街道', communities: ['和平桥社区', '友谊桥社区', '北濠社区', '南大街社区', '长桥社区'] },
  { code: '320613003', name: '任港街道', communities: ['任港社区', '怡园社区', '五一社区', '港闸路社区', '北郊社区'] },
  { code: '320613004', name: '新城桥街道', communities: ['新城桥社区', '桃园社区', '星光社区', '八里庙社区', '胜利社区'] },
  { code: '320613005', name: '虹桥街道', communities: ['虹桥社区', '园林社区', '启秀社区', '虹西社区', '城南社区'] },
  { code: '320613006', name: '学田街道', communities: ['曙光社区', '学田社区', '濠东社区', '天龙社区', '紫琅社区'] },
  { code: '320613007', name: '钟秀街道', communities: ['钟秀社区', '花园社区', '北大街社区', '三里墩社区', '永和社区'] },
  { code: '320613008', name: '文峰街道', communities: ['中央商务区社区', '文峰社区', '金桥社区', '青年东路社区', '世纪社区'] },
  { code: '320613009', name: '观音山街道', communities: ['观音山社区', '新坝社区', '兴隆社区', '五窑社区', '新开社区'] },
  { code: '320613010', name: '狼山镇街道', communities: ['狼山社区', '剑山社区', '黄泥山社区', '园艺社区', '五山社区'] },
  { code: '320613016', name: '永兴街道', communities: ['永兴社区', '八里社区', '兴西社区', '宝田社区', '永旺社区'] },
  { code: '320613017', name: '唐闸镇街道', communities: ['唐闸社区', '北市社区', '河东社区', '红星社区', '高店社区'] },
  { code: '320613018', name: '天生港镇街道', communities: ['天生港社区', '永安社区', '芦泾社区', '长江社区', '南川社区'] },
  { code: '320613019', name: '秦灶街道', communities: ['秦灶社区', '秦东社区', '新园社区', '鲤鱼湾社区', '东湖社区'] },
  { code: '320613020', name: '陈桥街道', communities: ['陈桥社区', '东港社区', '江海社区', '广新社区', '北闸社区'] },
  { code: '320613021', name: '幸福街道', communities: ['幸福社区', '新联社区', '新西社区', '建华社区', '果园社区'] },
];

/** Grid names of 曙光社区 (the first is real); other communities number their grids. */
const SHUGUANG_GRIDS = ['互敬网格', '互助网格', '互爱网格'];
const NUMBERED_GRIDS = ['第一网格', '第二网格', '第三网格'];

export interface DemoUnit {
  code: string;
  name: string;
  tier: 'CITY' | 'DISTRICT' | 'STREET' | 'COMMUNITY' | 'GRID';
  parentCode: string | null;
  path: string;
  depth: number;
}

export function demoUnits(): DemoUnit[] {
  const cityPath = CITY.code;
  const districtPath = `${cityPath}.${DISTRICT.code}`;
  const out: DemoUnit[] = [
    { code: CITY.code, name: CITY.name, tier: 'CITY', parentCode: null, path: cityPath, depth: 1 },
    { code: DISTRICT.code, name: DISTRICT.name, tier: 'DISTRICT', parentCode: CITY.code, path: districtPath, depth: 2 },
  ];
  for (const street of STREETS) {
    const streetPath = `${districtPath}.${street.code}`;
    out.push({ code: street.code, name: street.name, tier: 'STREET', parentCode: DISTRICT.code, path: streetPath, depth: 3 });
    street.communities.forEach((communityName, c) => {
      const communityCode = `${street.code}${String(c + 1).padStart(3, '0')}`;
      const communityPath = `${streetPath}.${communityCode}`;
      out.push({ code: communityCode, name: communityName, tier: 'COMMUNITY', parentCode: street.code, path: communityPath, depth: 4 });
      const gridNames = communityName === '曙光社区' ? SHUGUANG_GRIDS : NUMBERED_GRIDS;
      gridNames.forEach((gridName, g) => {
        const gridCode = `${communityCode}${String(g + 1).padStart(3, '0')}`;
        out.push({ code: gridCode, name: gridName, tier: 'GRID', parentCode: communityCode, path: `${communityPath}.${gridCode}`, depth: 5 });
      });
    });
  }
  return out;
}

/** Codes the README, tests and outside clients rely on. */
export const KNOWN = {
  nantong: '320600',
  chongchuan: '320613',
  xuetian: '320613006',
  wenfeng: '320613008',
  shuguang: '320613006001',
  cbd: '320613008001',
  hujing: '320613006001001',
} as const;
