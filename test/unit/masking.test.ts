import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { maskAddress, maskIdNumber, maskName, maskPhone } from '../../src/platform/privacy/mask.js';
import { coarsenPoint, holdsPersonalNumbers, maskFreeText, maskPayload, normalKey, personalKeySet } from '../../src/platform/privacy/free-text.js';

describe('masked fields', () => {
  it('a phone keeps its first 3 and last 4 digits; short ones keep less', () => {
    expect(maskPhone('13812341234')).toBe('138****1234');
    expect(maskPhone('051385123456')).toBe('051*****3456');
    expect(maskPhone('85123')).toBe('*5123');
    expect(maskPhone('1234')).toBe('****');
  });

  it('a name keeps its first character, and always hides at least one', () => {
    expect(maskName('张三')).toBe('张*');
    expect(maskName('欧阳娜娜')).toBe('欧***');
    expect(maskName('李')).toBe('李*');
    expect(maskName('  ')).toBe('');
  });

  it('an ID number keeps its region and last 4; a short one is hidden whole', () => {
    expect(maskIdNumber('320613198001011234')).toBe('320613********1234');
    expect(maskIdNumber('32061319800101123X')).toBe('320613********123X');
    expect(maskIdNumber('1234567890')).toBe('**********');
  });

  it('an address is cut to its building, or before the first house number', () => {
    expect(maskAddress('崇川区曙光新村12幢3单元401室')).toBe('崇川区曙光新村12幢****');
    expect(maskAddress('崇川区曙光新村12号楼')).toBe('崇川区曙光新村12号楼');
    expect(maskAddress('崇川区工农路58号')).toBe('崇川区工农路****');
    expect(maskAddress('崇川区某小区')).toBe('****');
  });

  it('a masked phone never shows more than 7 of its digits, and keeps its length', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^\d{5,15}$/), (phone) => {
        const masked = maskPhone(phone);
        expect(masked).toHaveLength(phone.length);
        expect(masked.replace(/\*/g, '').length).toBeLessThanOrEqual(7);
        expect(masked).not.toBe(phone);
      }),
    );
  });
});

describe('personal data in free text', () => {
  it('mobile numbers, whole, grouped or with +86, are masked', () => {
    expect(maskFreeText('请联系13812341234处理')).toBe('请联系138****1234处理');
    expect(maskFreeText('电话 138-1234-1234')).toBe('电话 138****1234');
    expect(maskFreeText('+86 138 1234 1234 转')).toBe('138****1234 转');
  });

  it('landlines with an area code and ID numbers are masked', () => {
    expect(maskFreeText('座机0513-85123456')).toBe('座机051*****3456');
    expect(maskFreeText('身份证320613198001011234。')).toBe('身份证320613********1234。');
  });

  it('other numbers stay: a count, a date, a case number, a longer digit run', () => {
    for (const text of ['积水约30厘米，2026-11-23发现', '案件号 NT-20261123-0001', '订单1381234123456789012']) {
      expect(maskFreeText(text), text).toBe(text);
      expect(holdsPersonalNumbers(text)).toBe(false);
    }
  });

  it('masking twice changes nothing more', () => {
    fc.assert(
      fc.property(fc.string(), fc.stringMatching(/^1[3-9]\d{9}$/), fc.string(), (a, phone, b) => {
        const once = maskFreeText(`${a} ${phone} ${b}`);
        expect(once).not.toContain(phone);
        expect(maskFreeText(once)).toBe(once);
      }),
    );
  });
});

describe('payloads', () => {
  const keys = personalKeySet(['holderPhone', 'holder_name', 'idNumber']);

  it('declared keys are masked whatever their spelling; numbers in other strings too; the rest stays', () => {
    const payload = {
      Holder_Phone: '138 1234 1234',
      'holder-name': '王小明',
      nested: [{ idnumber: '320613198001011234', note: '家属电话13900001111', level: 3, ok: true, none: null }],
    };
    expect(maskPayload(payload, keys)).toEqual({
      Holder_Phone: '138****1234',
      'holder-name': '王**',
      nested: [{ idnumber: '320613********1234', note: '家属电话139****1111', level: 3, ok: true, none: null }],
    });
  });

  it('a declared key holding a number or an object is hidden too', () => {
    expect(maskPayload({ holderPhone: 13812341234, holderName: { family: '王', given: '小明' } }, keys)).toEqual({
      holderPhone: '****',
      holderName: { family: '王*', given: '小*' },
    });
  });

  it('a payload nested past the depth limit is cut, not followed', () => {
    let deep: unknown = '13812341234';
    for (let i = 0; i < 40; i++) deep = { d: deep };
    expect(JSON.stringify(maskPayload(deep, keys))).toContain('"…"');
  });

  it('normalKey ignores case, "_", "-" and spaces', () => {
    expect(new Set(['holder_phone', 'Holder-Phone', 'holderPhone', 'HOLDER PHONE'].map(normalKey)).size).toBe(1);
  });
});

describe('coarsened points', () => {
  it('round to 3 decimals (about 100 m) and keep the other fields', () => {
    expect(coarsenPoint({ lat: 32.012345, lng: 120.865432, label: 'x' })).toEqual({ lat: 32.012, lng: 120.865, label: 'x' });
  });

  it('never move a point more than half a thousandth of a degree', () => {
    fc.assert(
      fc.property(fc.double({ min: -90, max: 90, noNaN: true }), fc.double({ min: -180, max: 180, noNaN: true }), (lat, lng) => {
        const p = coarsenPoint({ lat, lng });
        expect(Math.abs(p.lat - lat)).toBeLessThanOrEqual(0.0005 + 1e-12);
        expect(Math.abs(p.lng - lng)).toBeLessThanOrEqual(0.0005 + 1e-12);
        expect(Math.round(p.lat * 1000)).toBeCloseTo(p.lat * 1000, 6);
      }),
    );
  });
});
