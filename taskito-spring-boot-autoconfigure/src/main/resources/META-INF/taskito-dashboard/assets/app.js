// The Taskito dashboard: plain ES module, no build step. Job data (arguments, results,
// errors, names) is only ever set as text (textContent or text nodes), never parsed as
// markup, and the page's Content-Security-Policy allows no inline script.

const SVG = 'http://www.w3.org/2000/svg';
const CSRF_COOKIE = 'TASKITO-XSRF-TOKEN';
const CSRF_HEADER = 'X-TASKITO-XSRF-TOKEN';

const state = { session: null, view: null, timer: null };

/** Builds an element; strings among the children become text nodes, never markup. */
function el(tag, attrs = {}, ...children) {
	const node = document.createElement(tag);
	for (const [name, value] of Object.entries(attrs)) {
		if (value === null || value === undefined || value === false) continue;
		if (name.startsWith('on')) node.addEventListener(name.slice(2), value);
		else if (name === 'class') node.className = value;
		else node.setAttribute(name, value === true ? '' : String(value));
	}
	for (const child of children.flat()) {
		if (child === null || child === undefined) continue;
		node.append(child instanceof Node ? child : document.createTextNode(String(child)));
	}
	return node;
}

function text(value) {
	return value === null || value === undefined ? '—' : String(value);
}

function when(iso) {
	if (!iso) return '—';
	const date = new Date(iso);
	return Number.isNaN(date.getTime()) ? iso : date.toLocaleString();
}

function ago(iso) {
	if (!iso) return '—';
	const seconds = Math.round((Date.now() - new Date(iso).getTime()) / 1000);
	if (seconds < 60) return seconds + ' s';
	if (seconds < 3600) return Math.round(seconds / 60) + ' min';
	return Math.round(seconds / 3600) + ' h';
}

function csrfToken() {
	for (const part of document.cookie.split(';')) {
		const [name, ...value] = part.trim().split('=');
		if (name === CSRF_COOKIE) return decodeURIComponent(value.join('='));
	}
	return null;
}

async function api(path, options = {}) {
	const headers = { Accept: 'application/json' };
	if (options.method === 'POST') {
		const token = csrfToken();
		if (token) headers[CSRF_HEADER] = token;
	}
	const response = await fetch('api/' + path, { credentials: 'same-origin', ...options, headers });
	let body = null;
	try {
		body = await response.json();
	} catch (ignored) {
		body = null;
	}
	if (!response.ok) {
		const reason = body && body.error ? body.error : response.status + ' ' + response.statusText;
		const error = new Error(reason);
		error.status = response.status;
		throw error;
	}
	return body;
}

function say(message, kind = 'error') {
	const box = document.getElementById('message');
	box.textContent = message;
	box.className = kind === 'info' ? 'info' : '';
	box.hidden = !message;
}

async function act(path, done) {
	try {
		const result = await api(path, { method: 'POST' });
		say('Done: ' + JSON.stringify(result), 'info');
		if (done) await done();
		else await refresh();
	} catch (error) {
		say('Refused: ' + error.message);
	}
}

function actionButton(label, path, id) {
	if (!state.session || !state.session.writable) return null;
	return el('button', { type: 'button', id, onclick: () => act(path) }, label);
}

function table(headers, rows, caption) {
	return el('table', {},
		caption ? el('caption', { class: 'muted' }, caption) : null,
		el('thead', {}, el('tr', {}, headers.map((h) => el('th', { scope: 'col', class: h.num ? 'num' : null }, h.label || h)))),
		el('tbody', {}, rows));
}

function num(value, extra = {}) {
	return el('td', { class: 'num', ...extra }, text(value));
}

// Pages

function throughputChart(throughput) {
	const width = 600;
	const height = 90;
	const max = Math.max(1, ...throughput.succeeded.map((s, i) => s + throughput.dead[i]));
	const bar = width / throughput.succeeded.length;
	const svg = document.createElementNS(SVG, 'svg');
	svg.setAttribute('class', 'chart');
	svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
	svg.setAttribute('preserveAspectRatio', 'none');
	svg.setAttribute('role', 'img');
	svg.setAttribute('aria-label', `Jobs finished per minute over the last hour: ${throughput.totalSucceeded} succeeded, ${throughput.totalDead} died`);
	throughput.succeeded.forEach((ok, i) => {
		const bad = throughput.dead[i];
		const okHeight = (ok / max) * height;
		const badHeight = (bad / max) * height;
		for (const [cls, h, y] of [['ok', okHeight, height - okHeight], ['bad', badHeight, height - okHeight - badHeight]]) {
			if (h <= 0) continue;
			const rect = document.createElementNS(SVG, 'rect');
			rect.setAttribute('class', cls);
			rect.setAttribute('x', String(i * bar + 1));
			rect.setAttribute('width', String(Math.max(1, bar - 2)));
			rect.setAttribute('y', String(y));
			rect.setAttribute('height', String(h));
			svg.append(rect);
		}
	});
	return svg;
}

function capText(row) {
	return row.maxConcurrent > 0 ? String(row.maxConcurrent) : 'none';
}

function keyCapText(task) {
	if (!task.maxConcurrentPerKey) return 'none';
	return task.maxConcurrentPerKey + ' per key' + (task.keysAtCap > 0 ? ', ' + task.keysAtCap + ' at cap' : '');
}

function scheduleButton(task) {
	const name = encodeURIComponent(task.name);
	return task.schedule.paused
		? actionButton('Resume', 'schedules/' + name + '/resume', 'resume-schedule-' + task.name)
		: actionButton('Pause', 'schedules/' + name + '/pause', 'pause-schedule-' + task.name);
}

function overviewPage(overview) {
	const tasks = overview.tasks.map((task) => el('tr', { 'data-task': task.name },
		el('th', { scope: 'row' }, el('a', { href: '#/jobs?task=' + encodeURIComponent(task.name) }, task.name)),
		num(task.running, { class: 'num running' }),
		el('td', { class: 'num cap' }, capText(task)),
		el('td', { class: task.atCap ? 'at-cap cap-state' : 'cap-state' }, task.atCap ? 'at cap' : ''),
		el('td', { class: task.keysAtCap > 0 ? 'at-cap key-cap' : 'key-cap' }, task.maxConcurrentPerKey ? keyCapText(task) : ''),
		num(task.pending),
		el('td', { class: task.dead > 0 ? 'num dead' : 'num' },
			task.dead > 0 ? el('a', { href: '#/jobs?status=DEAD&task=' + encodeURIComponent(task.name) }, String(task.dead)) : '0')));
	const queues = overview.queues.map((queue) => el('tr', { 'data-queue': queue.name },
		el('th', { scope: 'row' }, queue.name),
		num(queue.pending, { class: 'num depth' }),
		num(queue.running),
		el('td', { class: 'num' }, capText(queue)),
		el('td', {}, queue.oldestDueAt ? 'waiting ' + ago(queue.oldestDueAt) : '—'),
		el('td', { class: queue.paused ? 'paused' : '' }, queue.paused ? 'paused' : 'running'),
		el('td', {}, queue.paused
			? actionButton('Resume', 'queues/' + encodeURIComponent(queue.name) + '/resume', 'resume-' + queue.name)
			: actionButton('Pause', 'queues/' + encodeURIComponent(queue.name) + '/pause', 'pause-' + queue.name))));
	const deadByTask = overview.tasks.filter((task) => task.dead > 0).map((task) => el('tr', { 'data-dead-task': task.name },
		el('th', { scope: 'row' }, task.name), num(task.dead, { class: 'num dead' }),
		el('td', {}, el('a', { href: '#/jobs?status=DEAD&task=' + encodeURIComponent(task.name) }, 'see why'),
			' ', actionButton('Retry all', 'jobs/retry-all?task=' + encodeURIComponent(task.name), 'retry-all-' + task.name))));
	return [
		el('section', { id: 'overview-tasks', 'aria-labelledby': 'h-tasks' }, el('h2', { id: 'h-tasks' }, 'Tasks'),
			table(['Task', { label: 'Running', num: true }, { label: 'Cap', num: true }, '', 'Cap per key', { label: 'Pending', num: true }, { label: 'Dead', num: true }], tasks)),
		el('section', { id: 'overview-queues', 'aria-labelledby': 'h-queues' }, el('h2', { id: 'h-queues' }, 'Queues'),
			table(['Queue', { label: 'Depth', num: true }, { label: 'Running', num: true }, { label: 'Cap', num: true }, 'Oldest due', 'State', ''], queues)),
		el('section', { id: 'overview-dead', 'aria-labelledby': 'h-dead' }, el('h2', { id: 'h-dead' }, 'Dead jobs by task'),
			deadByTask.length ? table(['Task', { label: 'Dead', num: true }, ''], deadByTask) : el('p', { class: 'muted' }, 'No dead jobs.')),
		el('section', { id: 'overview-throughput', 'aria-labelledby': 'h-throughput' }, el('h2', { id: 'h-throughput' }, 'Throughput, last hour'),
			el('p', { class: 'totals', id: 'throughput-totals' },
				`${overview.throughput.totalSucceeded} succeeded, ${overview.throughput.totalDead} died (by the minute jobs were enqueued)`),
			throughputChart(overview.throughput)),
	];
}

function tasksPage(overview) {
	const rows = overview.tasks.map((task) => {
		const finished = task.succeededLastHour + task.deadLastHour;
		const rate = finished ? Math.round((task.deadLastHour / finished) * 100) + ' %' : '—';
		return el('tr', { 'data-task': task.name },
			el('th', { scope: 'row' }, task.name),
			el('td', { class: 'num' }, capText(task)),
			el('td', { class: 'key-cap' }, task.maxConcurrentPerKey ? String(task.maxConcurrentPerKey) : 'none'),
			el('td', { class: task.keysAtCap > 0 ? 'num keys-at-cap at-cap' : 'num keys-at-cap' }, task.maxConcurrentPerKey ? String(task.keysAtCap) : '—'),
			num(task.running), num(task.pending),
			el('td', {}, text(task.rateLimit)),
			num(task.succeededLastHour), num(task.deadLastHour), el('td', { class: 'num' }, rate));
	});
	const schedules = overview.tasks.filter((task) => task.schedule).map((task) => el('tr', { 'data-schedule': task.name },
		el('th', { scope: 'row' }, el('a', { href: '#/jobs?task=' + encodeURIComponent(task.name) }, task.name)),
		el('td', { class: 'definition' }, task.schedule.definition),
		el('td', { class: 'next-run' }, task.schedule.paused ? 'paused' : task.schedule.nextRunAt ? when(task.schedule.nextRunAt) : 'not known here'),
		el('td', {}, when(task.schedule.lastTick)),
		num(task.schedule.skippedTicks),
		el('td', { class: task.schedule.paused ? 'paused schedule-state' : 'schedule-state' }, task.schedule.paused ? 'paused' : 'running'),
		el('td', {}, scheduleButton(task))));
	return [
		el('section', { id: 'tasks-table' }, el('h2', {}, 'Tasks'),
			table(['Task', { label: 'Cap', num: true }, 'Cap per key', { label: 'Keys at cap', num: true }, { label: 'Running', num: true }, { label: 'Pending', num: true }, 'Rate limit',
				{ label: 'Succeeded (1 h)', num: true }, { label: 'Died (1 h)', num: true }, { label: 'Failure rate', num: true }], rows)),
		el('section', { id: 'schedules', 'aria-labelledby': 'h-schedules' }, el('h2', { id: 'h-schedules' }, 'Schedules'),
			schedules.length ? table(['Task', 'Schedule', 'Next run', 'Last tick', { label: 'Skipped ticks', num: true }, 'State', ''], schedules)
				: el('p', { class: 'muted' }, 'No periodic tasks.')),
	];
}

function instancesPage(overview) {
	const rows = overview.instances.map((instance) => el('tr', { 'data-instance': instance.id },
		el('th', { scope: 'row' }, instance.id, instance.current ? ' (this one)' : ''),
		num(instance.running, { class: 'num instance-running' }),
		el('td', {}, when(instance.heartbeatAt), ' (', ago(instance.heartbeatAt), ' ago)'),
		el('td', {}, when(instance.expiresAt)),
		el('td', {}, instance.tasks ? instance.tasks.join(', ') : 'all'),
		el('td', {}, instance.queues ? instance.queues.join(', ') : 'all'),
		el('td', {}, Object.entries(instance.taskCaps).map(([k, v]) => k + '=' + v).join(', ') || '—'),
		el('td', {}, Object.entries(instance.keyCaps || {}).map(([k, v]) => k + '=' + v).join(', ') || '—')));
	const dispatcher = overview.dispatcher;
	const running = overview.tasks.reduce((sum, task) => sum + task.running, 0);
	return [
		el('section', {}, el('h2', {}, 'Live instances'),
			table(['Instance', { label: 'Running', num: true }, 'Last heartbeat', 'Expires', 'Tasks', 'Queues', 'Task caps', 'Caps per key'], rows),
			el('p', { class: 'muted' }, `${running} jobs running across the cluster.`)),
		dispatcher ? el('section', {}, el('h2', {}, 'This instance'), el('dl', {},
			el('dt', {}, 'Dispatcher'), el('dd', {}, dispatcher.running ? 'running' : 'stopped'),
			el('dt', {}, 'Heartbeats'), el('dd', {}, dispatcher.heartbeatsCurrent ? 'current' : 'NOT reaching the store'),
			el('dt', {}, 'Store problem'), el('dd', {}, text(dispatcher.storeProblem)))) : null,
	];
}

function jobsPage(params) {
	const form = el('form', { class: 'filters', id: 'job-filters' },
		el('label', {}, 'Status', el('select', { name: 'status', id: 'filter-status' },
			['', 'PENDING', 'RUNNING', 'SUCCEEDED', 'DEAD', 'CANCELLED'].map((s) => el('option', { value: s, selected: (params.get('status') || '') === s }, s || 'any')))),
		el('label', {}, 'Task', el('input', { name: 'task', id: 'filter-task', value: params.get('task') || '' })),
		el('label', {}, 'Queue', el('input', { name: 'queue', id: 'filter-queue', value: params.get('queue') || '' })),
		el('button', { type: 'submit' }, 'Filter'));
	form.addEventListener('submit', (event) => {
		event.preventDefault();
		const next = new URLSearchParams();
		for (const [name, value] of new FormData(form)) if (value) next.set(name, value);
		location.hash = '#/jobs?' + next.toString();
	});
	const results = el('div', { id: 'job-results' });
	const filter = new URLSearchParams();
	for (const name of ['status', 'task', 'queue']) if (params.get(name)) filter.set(name, params.get(name));
	const after = params.get('after');
	const load = async () => {
		const query = new URLSearchParams(filter);
		if (after) query.set('after', after);
		const page = await api('jobs?' + query.toString());
		const rows = page.jobs.map((job) => el('tr', { 'data-job': job.id },
			el('td', {}, el('a', { href: '#/jobs/' + encodeURIComponent(job.id) }, job.id)),
			el('td', {}, job.task), el('td', {}, job.queue), el('td', { class: 'concurrency-key' }, text(job.concurrencyKey)),
			el('td', { class: 'status-' + job.status }, job.status),
			num(job.attempts), el('td', {}, when(job.createdAt)), el('td', { class: 'error' }, text(job.error)),
			el('td', {}, job.status === 'DEAD' ? actionButton('Retry', 'jobs/' + job.id + '/retry', 'retry-' + job.id)
				: job.status === 'PENDING' ? actionButton('Cancel', 'jobs/' + job.id + '/cancel', 'cancel-' + job.id) : null)));
		const nextQuery = new URLSearchParams(filter);
		if (page.next) nextQuery.set('after', page.next);
		const retryAll = filter.get('status') === 'DEAD'
			? actionButton('Retry all matching', 'jobs/retry-all?' + new URLSearchParams([...filter].filter(([k]) => k !== 'status')).toString(), 'retry-all')
			: null;
		results.replaceChildren(
			rows.length ? table(['Job', 'Task', 'Queue', 'Key', 'Status', { label: 'Attempts', num: true }, 'Enqueued', 'Last error', ''], rows)
				: el('p', { class: 'muted', id: 'no-jobs' }, 'No jobs match.'),
			el('p', {}, after ? el('a', { href: '#/jobs?' + filter.toString() }, 'First page') : null, ' ',
				page.next ? el('a', { href: '#/jobs?' + nextQuery.toString(), id: 'next-page' }, 'Next page') : null, ' ', retryAll));
	};
	return { nodes: [el('section', {}, el('h2', {}, 'Jobs'), form, results)], load };
}

function jobPage(id) {
	const box = el('div', { id: 'job-detail' });
	const load = async () => {
		const detail = await api('jobs/' + encodeURIComponent(id));
		const job = detail.job;
		box.replaceChildren(
			el('section', {}, el('h2', {}, 'Job ', job.id),
				el('dl', {},
					el('dt', {}, 'Task'), el('dd', { id: 'job-task' }, job.task),
					el('dt', {}, 'Queue'), el('dd', {}, job.queue),
					el('dt', {}, 'Status'), el('dd', { id: 'job-status', class: 'status-' + job.status }, job.status),
					el('dt', {}, 'Attempts'), el('dd', {}, `${job.attempts} of ${job.maxRetries + 1}`),
					el('dt', {}, 'Priority'), el('dd', {}, String(detail.priority)),
					el('dt', {}, 'Unique key'), el('dd', {}, text(detail.uniqueKey)),
					el('dt', {}, 'Concurrency key'), el('dd', {}, text(detail.concurrencyKey)),
					el('dt', {}, 'Scheduled for'), el('dd', { id: 'job-scheduled-for' }, job.scheduledFor ? when(job.scheduledFor) : '—')),
				el('p', {}, job.status === 'DEAD' ? actionButton('Retry', 'jobs/' + job.id + '/retry', 'retry-job') : null,
					job.status === 'PENDING' ? actionButton('Cancel', 'jobs/' + job.id + '/cancel', 'cancel-job') : null)),
			el('section', {}, el('h2', {}, 'Arguments'), el('pre', { id: 'job-arguments' }, text(detail.arguments))),
			el('section', {}, el('h2', {}, 'Result'), el('pre', { id: 'job-result' }, text(detail.result))),
			el('section', {}, el('h2', {}, 'Error'), el('pre', { id: 'job-error' }, text(detail.error))),
			el('section', {}, el('h2', {}, 'Timeline'), el('ol', { id: 'job-timeline' },
				detail.timeline.map((entry) => el('li', {}, entry.what, ': ', when(entry.at))))));
	};
	return { nodes: [box], load };
}

// Routing and refreshing

function route() {
	const hash = location.hash.replace(/^#/, '') || '/';
	const [path, queryText] = hash.split('?');
	const params = new URLSearchParams(queryText || '');
	for (const link of document.querySelectorAll('nav a')) {
		const target = link.getAttribute('href').replace(/^#/, '');
		const current = target === '/' ? path === '/' : path.startsWith(target);
		if (current) link.setAttribute('aria-current', 'page');
		else link.removeAttribute('aria-current');
	}
	if (path === '/jobs') return jobsPage(params);
	if (path.startsWith('/jobs/')) return jobPage(decodeURIComponent(path.slice('/jobs/'.length)));
	const page = path === '/tasks' ? tasksPage : path === '/instances' ? instancesPage : overviewPage;
	const holder = el('div', { id: 'page' });
	return {
		nodes: [holder],
		load: async () => {
			const overview = await api('overview');
			holder.replaceChildren(...page(overview).filter(Boolean));
			document.getElementById('updated').textContent = 'Updated ' + when(overview.generatedAt);
		},
	};
}

async function refresh() {
	if (!state.view) return;
	try {
		await state.view.load();
		if (document.getElementById('message').className !== 'info') say('');
	} catch (error) {
		say(error.status === 403 ? 'You may not see this: ' + error.message : 'Could not load: ' + error.message);
	}
}

async function show() {
	state.view = route();
	document.getElementById('main').replaceChildren(...state.view.nodes);
	say('');
	await refresh();
}

async function start() {
	try {
		state.session = await api('session');
	} catch (error) {
		say('Could not load the dashboard: ' + error.message);
		return;
	}
	const banner = document.getElementById('banner');
	if (!state.session.writable) {
		banner.textContent = 'Read-only: ' + state.session.readOnlyReason;
		banner.hidden = false;
	}
	if (state.session.user) document.getElementById('user').textContent = 'Signed in as ' + state.session.user;
	window.addEventListener('hashchange', show);
	await show();
	state.timer = setInterval(refresh, state.session.refreshMillis);
}

start();
