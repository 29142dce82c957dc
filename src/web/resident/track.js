// The status page (`/r/track?code=…`): where a request stands, by its tracking code, and the
// resident's rating once it is closed. It shows only what `residentRequestStatus` gives: no
// text, no contact data, no staff names.
import { CallError, el, errorText, formatTime, gql, groupCode, page, setFieldError } from './common.js';

const TRACKED = 'trackingCode category status submittedAt reply repliedAt closedAt satisfaction canRate unit { name }';
const STATUS = `query ResidentRequestStatus($code: String!) { residentRequestStatus(trackingCode: $code) { ${TRACKED} } }`;
const RATE = `mutation RateResidentRequest($code: String!, $satisfaction: Int!, $comment: String) {
  rateResidentRequest(trackingCode: $code, satisfaction: $satisfaction, comment: $comment) { ${TRACKED} }
}`;

/** Stars from rating.min to rating.max, each with its meaning; the comment's limit. */
const rating = page.rating;
const STARS = rating.labels.map((meaning, i) => ({ value: rating.min + i, meaning }));
const meaningOf = (value) => STARS.find((star) => star.value === value)?.meaning ?? '';

const $ = (id) => document.getElementById(id);
const form = $('track-form');
const codeInput = $('code');
const result = $('result');

const stars = (n) => '★'.repeat(n) + '☆'.repeat(rating.max - n);

function notice(message, role) {
  result.replaceChildren(el('p', { class: 'notice', role }, message));
}

function details(request) {
  const rows = [
    ['社区', request.unit.name],
    ['类别', page.categories[request.category] ?? request.category],
    ['提交时间', formatTime(request.submittedAt)],
    request.repliedAt && ['回复时间', formatTime(request.repliedAt)],
    request.closedAt && ['办结时间', formatTime(request.closedAt)],
  ].filter(Boolean);
  return el('dl', { class: 'facts' }, ...rows.flatMap(([term, value]) => [el('dt', {}, term), el('dd', {}, value)]));
}

function rateForm(request) {
  const choices = STARS.map(({ value, meaning }) =>
    el(
      'label',
      { class: 'star', for: `star-${value}` },
      el('input', { type: 'radio', name: 'satisfaction', id: `star-${value}`, value }),
      el('span', { 'aria-hidden': 'true' }, '★'),
      el('span', { class: 'visually-hidden' }, `${value} 星，${meaning}`),
    ),
  );
  const meaning = el('p', { class: 'star-meaning', id: 'star-meaning', 'aria-live': 'polite' }, '');
  const ratingForm = el(
    'form',
    { id: 'rate-form', novalidate: true },
    el('fieldset', { class: 'stars', 'aria-describedby': 'error-rating' }, el('legend', {}, '您对办理结果满意吗？'), el('div', { class: 'star-row' }, ...choices), meaning),
    el(
      'div',
      { class: 'field' },
      el('label', { for: 'comment' }, '想说的话（可选）'),
      el('textarea', { id: 'comment', name: 'comment', rows: 3, maxlength: rating.comment, 'aria-describedby': 'error-rating' }),
    ),
    el('p', { class: 'field-error', id: 'error-rating', role: 'alert', hidden: true }),
    el('button', { type: 'submit', class: 'primary', id: 'rate' }, '提交评价'),
  );
  const radios = () => [...ratingForm.querySelectorAll('input[name="satisfaction"]')];
  ratingForm.addEventListener('change', () => {
    const chosen = Number(ratingForm.elements.satisfaction.value) || 0;
    choices.forEach((label, i) => label.classList.toggle('on', STARS[i].value <= chosen));
    meaning.textContent = chosen ? `${chosen} 星：${meaningOf(chosen)}` : '';
  });
  ratingForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    setFieldError('error-rating', radios(), undefined);
    const satisfaction = Number(ratingForm.elements.satisfaction.value);
    if (!satisfaction) {
      setFieldError('error-rating', radios(), `请先点选 ${rating.min} 到 ${rating.max} 颗星。`);
      radios()[0].focus();
      return;
    }
    const comment = ratingForm.elements.comment.value.trim();
    const button = $('rate');
    button.disabled = true;
    button.textContent = '正在提交…';
    try {
      const { rateResidentRequest } = await gql(RATE, { code: request.trackingCode, satisfaction, comment: comment === '' ? null : comment });
      render(rateResidentRequest, { thanked: true });
    } catch (error) {
      const call = error instanceof CallError ? error : new CallError('INTERNAL_SERVER_ERROR', String(error));
      if (call.code === 'CONFLICT') {
        // Rated meanwhile (another tab), or reopened: show where it stands now.
        await lookup(request.trackingCode);
        return;
      }
      const message =
        call.code !== 'BAD_USER_INPUT'
          ? errorText(call)
          : call.extensions.field === 'comment'
            ? `想说的话不超过 ${rating.comment} 个字。`
            : `评价内容有误：${call.message}`;
      setFieldError('error-rating', [], message);
      button.disabled = false;
      button.textContent = '提交评价';
    }
  });
  return el('section', { class: 'rating', 'aria-labelledby': 'rating-title' }, el('h3', { id: 'rating-title' }, '评价'), ratingForm);
}

function render(request, { thanked = false } = {}) {
  const parts = [
    el('h2', { id: 'status-title' }, '查询码 ', el('span', { class: 'code-inline' }, groupCode(request.trackingCode))),
    el('p', { class: `badge status-${request.status}`, id: 'status' }, page.statuses[request.status] ?? request.status),
    details(request),
    request.reply
      ? el('section', { class: 'reply', 'aria-labelledby': 'reply-title' }, el('h3', { id: 'reply-title' }, '社区回复'), el('p', { id: 'reply' }, request.reply))
      : el('p', { class: 'hint' }, '社区还没有回复，请耐心等待。'),
  ];
  if (thanked) parts.push(el('p', { class: 'thanks', id: 'thanks', role: 'status' }, '感谢您的评价！'));
  if (request.satisfaction) {
    parts.push(
      el('p', { class: 'rated', id: 'rated' }, '您的评价：', el('span', { class: 'stars-shown', 'aria-hidden': 'true' }, stars(request.satisfaction)), el('span', {}, `（${request.satisfaction} 星，${meaningOf(request.satisfaction)}）`)),
    );
  } else if (request.canRate) {
    parts.push(rateForm(request));
  }
  result.replaceChildren(el('article', { class: 'card' }, ...parts));
}

async function lookup(code) {
  notice('正在查询…');
  try {
    const { residentRequestStatus } = await gql(STATUS, { code });
    render(residentRequestStatus);
  } catch (error) {
    const call = error instanceof CallError ? error : new CallError('INTERNAL_SERVER_ERROR', String(error));
    if (call.code === 'NOT_FOUND') notice('没有找到这个查询码，请核对后重试。查询码是 12 位字母和数字（不含 0、1、I、L、O、U）。', 'alert');
    else notice(errorText(call), 'alert');
  }
}

form.addEventListener('submit', (event) => {
  event.preventDefault();
  const code = codeInput.value.trim();
  setFieldError('error-code', [codeInput], code === '' ? '请输入查询码。' : undefined);
  if (code === '') {
    codeInput.focus();
    return;
  }
  // The code in the address, so the page can be bookmarked or reloaded.
  history.replaceState(null, '', `${page.base}/track?code=${encodeURIComponent(code)}`);
  lookup(code);
});

const fromAddress = new URLSearchParams(location.search).get('code');
if (fromAddress && fromAddress.trim() !== '') {
  codeInput.value = fromAddress.trim();
  lookup(fromAddress.trim());
}
