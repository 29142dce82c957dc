import { maskAddress, maskIdNumber, maskName, maskPhone, type PersonalFields } from '../../platform/privacy/mask.js';

/**
 * The personal fields of a device: where it is installed (a resident's home, for an alarm
 * button) and the person behind an elderly one-click alarm.
 */
export const DEVICE_PERSONAL_FIELDS: PersonalFields = {
  address: maskAddress,
  holderName: maskName,
  holderPhone: maskPhone,
  holderIdNumber: maskIdNumber,
};
