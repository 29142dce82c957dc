/**
 * Terminology
 * - event category (大类): what a case or a patrol finding is about, after the event classes
 *   of GB/T 30428 digital urban management. Each has a stable code (the GraphQL enum value),
 *   a two-digit class number as printed on work orders, and a Chinese name. Cases and patrol
 *   findings share the list: a finding becomes a case of its category.
 */
export const EVENT_CATEGORIES = {
  CITY_APPEARANCE: { no: '01', name: '市容环境' },
  ADVERTISING: { no: '02', name: '宣传广告' },
  CONSTRUCTION: { no: '03', name: '施工管理' },
  EMERGENCY: { no: '04', name: '突发事件' },
  STREET_ORDER: { no: '05', name: '街面秩序' },
  FACILITIES: { no: '06', name: '设施管理' },
  SAFETY_HAZARD: { no: '07', name: '安全隐患' },
  PUBLIC_SERVICE: { no: '08', name: '民生服务' },
} as const;
export type EventCategoryName = keyof typeof EVENT_CATEGORIES;
export const EVENT_CATEGORY_CODES = Object.keys(EVENT_CATEGORIES) as EventCategoryName[];
