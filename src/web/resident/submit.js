// The submit page (`/r/#ghc_…`): the channel token comes from the URL's fragment, which the
// browser never sends to a server, so it stays out of logs and Referer headers.
import { CallError, errorText, gql, groupCode, page, setFieldError } from './common.js';

const CHANNEL = `query ResidentChannel($token: String!) {
  residentChannel(channelToken: $token) { name community { name } }
}`;

const SUBMIT = `mutation SubmitResidentRequest($token: String!, $input: SubmitResidentRequestInput!) {
  submitResidentRequest(channelToken: $token, input: $input) { trackingCode status submittedAt }
}`;

const $ = (id) => document.getElementById(id);
const form = $('submit-form');
const text = $('text');
const send = $('send');
const formError = $('form-error');
const limits = page.limits;

/**
 * Every field the hub may name in `extensions.field`: where its error is shown, which input
 * to focus, the <details> to open, and the words the resident reads.
 */
const FIELDS = {
  category: { error: 'error-category', inputs: () => [...form.elements.category], message: '请选择您要反映的类别。' },
  'input.text': { error: 'error-text', inputs: () => [text], message: `请填写具体内容，1 至 ${limits.text} 字。` },
  'input.photoUrl': {
    error: 'error-photoUrl',
    inputs: () => [$('photoUrl')],
    details: 'more-photo',
    message: `照片链接须以 http:// 或 https:// 开头，不含用户名和密码，不超过 ${limits.photoUrl} 个字符。`,
  },
  'input.location.lat': { error: 'error-location', inputs: () => [$('lat')], details: 'more-photo', message: '纬度应为 -90 到 90 之间的数字。' },
  'input.location.lng': { error: 'error-location', inputs: () => [$('lng')], details: 'more-photo', message: '经度应为 -180 到 180 之间的数字。' },
  location: { error: 'error-location', inputs: () => [$('lat'), $('lng')], details: 'more-photo', message: '请同时填写纬度和经度（数字），或都不填。' },
  'input.contactName': { error: 'error-contactName', inputs: () => [$('contactName')], details: 'more-contact', message: `称呼不超过 ${limits.contactName} 个字。` },
  'input.contactPhone': {
    error: 'error-contactPhone',
    inputs: () => [$('contactPhone')],
    details: 'more-contact',
    message: `电话应为 ${limits.phoneDigits.min} 至 ${limits.phoneDigits.max} 位数字，可以 + 开头。`,
  },
  'input.address': { error: 'error-address', inputs: () => [$('address')], details: 'more-contact', message: `地址不超过 ${limits.address} 个字。` },
};

const token = () => {
  try {
    return decodeURIComponent(location.hash.slice(1)).trim();
  } catch {
    return location.hash.slice(1).trim();
  }
};

function show(section) {
  for (const id of ['no-token', 'invalid-token', 'submit-form', 'receipt']) $(id).hidden = id !== section;
}

function clearErrors() {
  const inputsByError = new Map();
  for (const field of Object.values(FIELDS)) inputsByError.set(field.error, [...(inputsByError.get(field.error) ?? []), ...field.inputs()]);
  for (const [errorId, inputs] of inputsByError) setFieldError(errorId, inputs, undefined);
  formError.hidden = true;
  formError.textContent = '';
}

/** Shows the error of one field (named as the hub names it) and puts the focus there. */
function fieldError(name, message) {
  const field = FIELDS[name];
  if (!field) return false;
  if (field.details) $(field.details).open = true;
  const inputs = field.inputs();
  setFieldError(field.error, inputs, message ?? field.message);
  (inputs.find((input) => input.checked) ?? inputs[0]).focus();
  return true;
}

function formErrorText(message) {
  formError.textContent = message;
  formError.hidden = false;
}

// ---------------------------------------------------------------------------------------------
// The community's name in the title; a dead token is said at once, before anyone types.

async function showChannel() {
  const current = token();
  if (current === '') {
    show('no-token');
    return;
  }
  show('submit-form');
  try {
    const { residentChannel } = await gql(CHANNEL, { token: current });
    $('title').textContent = residentChannel.community.name;
    document.title = `${residentChannel.community.name} · 居民服务`;
    $('channel-name').textContent = residentChannel.name;
    $('channel-name').hidden = false;
  } catch (error) {
    if (error instanceof CallError && error.code === 'UNAUTHENTICATED') show('invalid-token');
    // Anything else (no network yet, an older hub): the generic title stays and the form still works.
  }
}

// ---------------------------------------------------------------------------------------------
// The text's live count, in characters as the hub counts them (code points, not UTF-16 units).

const used = $('text-used');
function count() {
  const n = [...text.value.trim()].length;
  used.textContent = String(n);
  $('text-count').classList.toggle('over', n > limits.text);
}
text.addEventListener('input', count);

// The chosen category's tile, for browsers without CSS :has().
form.addEventListener('change', (event) => {
  if (event.target.name !== 'category') return;
  for (const radio of form.elements.category) radio.closest('.choice').classList.toggle('checked', radio.checked);
});

// ---------------------------------------------------------------------------------------------
// Location: the phone's position if it may give it (HTTPS or localhost only), or typed in.

const locateStatus = $('locate-status');
$('locate').addEventListener('click', () => {
  if (!('geolocation' in navigator) || !window.isSecureContext) {
    locateStatus.textContent = '此页面无法自动定位（需要 HTTPS 连接），请手动填写，或在“地址”里写明位置。';
    return;
  }
  locateStatus.textContent = '正在定位…';
  navigator.geolocation.getCurrentPosition(
    (position) => {
      $('lat').value = position.coords.latitude.toFixed(6);
      $('lng').value = position.coords.longitude.toFixed(6);
      locateStatus.textContent = `已定位，精度约 ${Math.round(position.coords.accuracy)} 米。`;
    },
    (failure) => {
      locateStatus.textContent =
        failure.code === failure.PERMISSION_DENIED ? '没有获得定位权限：请在浏览器设置中允许定位，或手动填写。' : '暂时无法定位，请稍后再试或手动填写。';
    },
    { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 },
  );
});

// ---------------------------------------------------------------------------------------------
// Submitting: what the page can tell before sending, then whatever the hub answers.

const optional = (id) => {
  const value = $(id).value.trim();
  return value === '' ? null : value;
};

/** The input as the hub takes it, or the name of the first field at fault. */
function collect() {
  const category = form.elements.category.value;
  if (!category) return { fault: 'category' };
  const body = text.value.trim();
  if (body === '' || [...body].length > limits.text) return { fault: 'input.text' };
  const lat = optional('lat');
  const lng = optional('lng');
  let location = null;
  if (lat !== null || lng !== null) {
    const point = { lat: Number(lat), lng: Number(lng) };
    if (lat === null || lng === null || !Number.isFinite(point.lat) || !Number.isFinite(point.lng)) return { fault: 'location' };
    location = point;
  }
  return {
    input: {
      category,
      text: body,
      photoUrl: optional('photoUrl'),
      location,
      contactName: optional('contactName'),
      contactPhone: optional('contactPhone'),
      address: optional('address'),
    },
  };
}

function showReceipt(trackingCode) {
  $('tracking-code').textContent = groupCode(trackingCode);
  $('track-link').href = `${page.base}/track?code=${encodeURIComponent(trackingCode)}`;
  show('receipt');
  $('receipt').focus();
}

let sending = false;
form.addEventListener('submit', async (event) => {
  event.preventDefault();
  if (sending) return;
  clearErrors();
  const { input, fault } = collect();
  if (fault) {
    fieldError(fault);
    return;
  }
  sending = true;
  send.disabled = true;
  send.textContent = '正在提交…';
  try {
    const { submitResidentRequest } = await gql(SUBMIT, { token: token(), input });
    form.reset();
    for (const tile of form.querySelectorAll('.choice.checked')) tile.classList.remove('checked');
    count();
    showReceipt(submitResidentRequest.trackingCode);
  } catch (error) {
    const call = error instanceof CallError ? error : new CallError('INTERNAL_SERVER_ERROR', String(error));
    if (call.code === 'UNAUTHENTICATED') show('invalid-token');
    else if (!(call.code === 'BAD_USER_INPUT' && fieldError(call.extensions.field))) {
      formErrorText(call.code === 'BAD_USER_INPUT' ? `提交的内容有误：${call.message}` : errorText(call));
    }
  } finally {
    sending = false;
    send.disabled = false;
    send.textContent = '提交';
  }
});

$('again').addEventListener('click', () => {
  show('submit-form');
  text.focus();
});

window.addEventListener('hashchange', showChannel);
count();
showChannel();
