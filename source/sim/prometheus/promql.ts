/** A label matcher of a vector selector. */
export interface LabelMatcher {
	/** Label name. */
	name: string;
	/** `=`, `!=`, `=~` (fully anchored RE2-ish regex) or `!~`. */
	op: '=' | '!=' | '=~' | '!~';
	/** Literal or pattern. */
	value: string;
}

/** The PromQL subset the built-in responder evaluates (what meshtop sends, and the obvious variations). */
export type PromExpr =
	| {type: 'selector'; metric: string; matchers: LabelMatcher[]; rangeMs?: number}
	| {type: 'rate'; selector: {metric: string; matchers: LabelMatcher[]; rangeMs: number}; increase?: boolean}
	| {type: 'sum'; by?: string[]; expr: PromExpr}
	| {type: 'histogram_quantile'; quantile: number; expr: PromExpr}
	| {type: 'label_replace'; expr: PromExpr; destination: string; replacement: string; source: string; regex: string}
	| {type: 'or'; left: PromExpr; right: PromExpr};

/** A query the built-in responder cannot parse or does not support; answered as Prometheus' `bad_data`. */
export class PromQlError extends Error {
	override name = 'PromQlError';
}

type Token =
	| {kind: 'ident'; text: string; at: number}
	| {kind: 'string'; text: string; at: number}
	| {kind: 'number'; text: string; at: number}
	| {kind: 'duration'; text: string; at: number}
	| {kind: 'punct'; text: string; at: number};

/**
 * Parses `sum by (L)(rate(m{M}[W]))`, `histogram_quantile(Q, sum by (le, L)(rate(m_bucket{M}[W])))` and the
 * expressions they are built of (a selector, rate, sum with `by` before or after its argument), each labelled with
 * `label_replace` and joined with `or`: meshtop's one query per refresh.
 * Anything else throws a {@link PromQlError} with a message in Prometheus' style.
 */
export function parsePromQl(query: string): PromExpr {
	const tokens = tokenize(query);
	let position = 0;
	const peek = (): Token | undefined => tokens[position];
	const next = (): Token => {
		const token = tokens[position++];
		if (!token) {
			throw new PromQlError('1:' + (query.length + 1) + ': parse error: unexpected end of input');
		}

		return token;
	};

	const expect = (text: string): void => {
		const token = next();
		if (token.text !== text || token.kind === 'string') {
			throw new PromQlError(`1:${token.at + 1}: parse error: unexpected "${token.text}", expected "${text}"`);
		}
	};

	const parseLabelList = (): string[] => {
		expect('(');
		const labels: string[] = [];
		while (peek()?.text !== ')') {
			const token = next();
			if (token.kind !== 'ident') {
				throw new PromQlError(`1:${token.at + 1}: parse error: unexpected "${token.text}" in grouping opts, expected label`);
			}

			labels.push(token.text);
			if (peek()?.text === ',') {
				next();
			}
		}

		expect(')');
		return labels;
	};

	const parseSelector = (name: Token): PromExpr => {
		const matchers: LabelMatcher[] = [];
		if (peek()?.text === '{') {
			next();
			while (peek()?.text !== '}') {
				const label = next();
				if (label.kind !== 'ident') {
					throw new PromQlError(`1:${label.at + 1}: parse error: unexpected "${label.text}" in label matching, expected label`);
				}

				const op = next();
				if (op.kind !== 'punct' || !['=', '!=', '=~', '!~'].includes(op.text)) {
					throw new PromQlError(`1:${op.at + 1}: parse error: unexpected "${op.text}" in label matching, expected label matching operator`);
				}

				const value = next();
				if (value.kind !== 'string') {
					throw new PromQlError(`1:${value.at + 1}: parse error: unexpected "${value.text}" in label matching, expected string`);
				}

				matchers.push({name: label.text, op: op.text as LabelMatcher['op'], value: value.text});
				if (peek()?.text === ',') {
					next();
				}
			}

			expect('}');
		}

		const selector: PromExpr = {type: 'selector', metric: name.text, matchers};
		if (peek()?.text === '[') {
			next();
			const duration = next();
			if (duration.kind !== 'duration') {
				throw new PromQlError(`1:${duration.at + 1}: parse error: bad duration "${duration.text}"`);
			}

			selector.rangeMs = parseDuration(duration.text);
			expect(']');
		}

		return selector;
	};

	const parseExpr = (): PromExpr => {
		const head = next();
		if (head.kind !== 'ident') {
			throw new PromQlError(`1:${head.at + 1}: parse error: unexpected "${head.text}"`);
		}

		switch (head.text) {
			case 'sum': {
				let by = peek()?.text === 'by' ? (next(), parseLabelList()) : undefined;
				expect('(');
				const expr = parseExpr();
				expect(')');
				if (by === undefined && peek()?.text === 'by') {
					next();
					by = parseLabelList();
				}

				return by === undefined ? {type: 'sum', expr} : {type: 'sum', by, expr};
			}

			case 'rate':
			case 'increase': {
				// increase() is rate() times the range, as in Prometheus (the same extrapolation).
				expect('(');
				const name = next();
				if (name.kind !== 'ident') {
					throw new PromQlError(`1:${name.at + 1}: parse error: expected a range vector selector in call to function "${head.text}"`);
				}

				const selector = parseSelector(name);
				expect(')');
				if (selector.type !== 'selector' || selector.rangeMs === undefined) {
					throw new PromQlError(`expected type range vector in call to function "${head.text}", got instant vector`);
				}

				return {type: 'rate', selector: {metric: selector.metric, matchers: selector.matchers, rangeMs: selector.rangeMs}, ...(head.text === 'increase' ? {increase: true} : {})};
			}

			case 'label_replace': {
				expect('(');
				const expr = parseOr();
				const strings: string[] = [];
				for (let argument = 0; argument < 4; argument++) {
					expect(',');
					const value = next();
					if (value.kind !== 'string') {
						throw new PromQlError(`1:${value.at + 1}: parse error: expected a string as argument ${argument + 2} of label_replace`);
					}

					strings.push(value.text);
				}

				expect(')');
				const [destination, replacement, source, regex] = strings as [string, string, string, string];
				return {type: 'label_replace', expr, destination, replacement, source, regex};
			}

			case 'histogram_quantile': {
				expect('(');
				const quantile = next();
				if (quantile.kind !== 'number') {
					throw new PromQlError(`1:${quantile.at + 1}: parse error: expected a number as the quantile of histogram_quantile`);
				}

				expect(',');
				const expr = parseExpr();
				expect(')');
				return {type: 'histogram_quantile', quantile: Number(quantile.text), expr};
			}

			default: {
				if (peek()?.text === '(') {
					throw new PromQlError(`unsupported function "${head.text}" (the built-in Prometheus answers sum, rate, increase, histogram_quantile, label_replace and or only)`);
				}

				const selector = parseSelector(head);
				if (selector.type === 'selector' && selector.rangeMs !== undefined) {
					throw new PromQlError('range vectors are not supported as query results by the built-in Prometheus');
				}

				return selector;
			}
		}
	};

	// `or` binds loosest: `a or b or c` is ((a or b) or c), as in Prometheus.
	function parseOr(): PromExpr {
		let left = parseExpr();
		while (peek()?.kind === 'ident' && peek()?.text === 'or') {
			next();
			left = {type: 'or', left, right: parseExpr()};
		}

		return left;
	}

	const expr = parseOr();
	const rest = peek();
	if (rest) {
		throw new PromQlError(`1:${rest.at + 1}: parse error: unexpected "${rest.text}" (the built-in Prometheus answers sum, rate, increase, histogram_quantile, label_replace and or only)`);
	}

	return expr;
}

/** Milliseconds of a PromQL duration such as `10s`, `1m30s`, `500ms`. */
export function parseDuration(text: string): number {
	const units: Record<string, number> = {ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000, y: 31_536_000_000};
	const pattern = /(\d+)(ms|s|m|h|d|w|y)/gy;
	let total = 0;
	let consumed = 0;
	for (const match of text.matchAll(pattern)) {
		total += Number(match[1]) * units[match[2]!]!;
		consumed += match[0].length;
	}

	if (text === '' || consumed !== text.length || total === 0) {
		throw new PromQlError(`bad duration "${text}"`);
	}

	return total;
}

function tokenize(query: string): Token[] {
	const tokens: Token[] = [];
	let index = 0;
	while (index < query.length) {
		const character = query[index]!;
		if (/\s/.test(character)) {
			index++;
			continue;
		}

		const at = index;
		const rest = query.slice(index);
		const previous = tokens.at(-1);
		if (previous?.text === '[' && previous.kind === 'punct') {
			const end = query.indexOf(']', index);
			const text = (end === -1 ? rest : query.slice(index, end)).trim();
			tokens.push({kind: 'duration', text, at});
			index = end === -1 ? query.length : end;
			continue;
		}

		const identifier = /^[a-zA-Z_:][\w:]*/.exec(rest);
		if (identifier) {
			tokens.push({kind: 'ident', text: identifier[0], at});
			index += identifier[0].length;
			continue;
		}

		const number = /^(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?/.exec(rest);
		if (number) {
			tokens.push({kind: 'number', text: number[0], at});
			index += number[0].length;
			continue;
		}

		if (character === '"' || character === '\'' || character === '`') {
			const [text, length] = readString(query, index);
			tokens.push({kind: 'string', text, at});
			index += length;
			continue;
		}

		const operator = /^(?:=~|!~|!=|=|[(){}[\],])/.exec(rest);
		if (!operator) {
			throw new PromQlError(`1:${at + 1}: parse error: unexpected character "${character}"`);
		}

		tokens.push({kind: 'punct', text: operator[0], at});
		index += operator[0].length;
	}

	return tokens;
}

function readString(query: string, start: number): [string, number] {
	const quote = query[start]!;
	let text = '';
	let index = start + 1;
	while (index < query.length) {
		const character = query[index]!;
		if (character === quote) {
			return [text, index + 1 - start];
		}

		if (character === '\\' && quote !== '`') {
			const escaped = query[index + 1] ?? '';
			const escapes: Record<string, string> = {n: '\n', t: '\t', r: '\r', '\\': '\\', '"': '"', '\'': '\''};
			// Go keeps unknown escapes as errors; regexes like "5.." need none, and `\.` stays a regex escape.
			text += escapes[escaped] ?? `\\${escaped}`;
			index += 2;
			continue;
		}

		text += character;
		index++;
	}

	throw new PromQlError(`1:${start + 1}: parse error: unterminated quoted string`);
}
