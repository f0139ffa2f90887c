// Tokens of CQL2 text: identifiers, quoted identifiers, strings, numbers, operators; with positions.
import { Cql2Error } from './ast.ts';

export type TokenKind = 'word' | 'quoted' | 'string' | 'number' | 'op' | 'punct' | 'end';

export interface Token {
  kind: TokenKind;
  text: string;
  /** 0-based character offset in the filter text */
  position: number;
}

const operators = ['<>', '<=', '>=', '=', '<', '>'];

export function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const c = source[i] as string;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const start = i;
    if (c === "'") {
      let value = '';
      i++;
      for (;;) {
        if (i >= source.length) throw new Cql2Error('unterminated string literal', start);
        if (source[i] === "'") {
          if (source[i + 1] === "'") {
            value += "'";
            i += 2;
            continue;
          }
          i++;
          break;
        }
        value += source[i++];
      }
      tokens.push({ kind: 'string', text: value, position: start });
      continue;
    }
    if (c === '"') {
      const end = source.indexOf('"', i + 1);
      if (end < 0) throw new Cql2Error('unterminated quoted identifier', start);
      tokens.push({ kind: 'quoted', text: source.slice(i + 1, end), position: start });
      i = end + 1;
      continue;
    }
    const number = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/.exec(source.slice(i));
    if (number && (/\d|\./.test(c) || ((c === '-' || c === '+') && /[\d.]/.test(source[i + 1] ?? '')))) {
      tokens.push({ kind: 'number', text: number[0], position: start });
      i += number[0].length;
      continue;
    }
    const word = /^[A-Za-z_][A-Za-z0-9_:.]*/.exec(source.slice(i));
    if (word) {
      tokens.push({ kind: 'word', text: word[0], position: start });
      i += word[0].length;
      continue;
    }
    const op = operators.find((o) => source.startsWith(o, i));
    if (op) {
      tokens.push({ kind: 'op', text: op, position: start });
      i += op.length;
      continue;
    }
    if (c === '(' || c === ')' || c === ',') {
      tokens.push({ kind: 'punct', text: c, position: start });
      i++;
      continue;
    }
    throw new Cql2Error(`unexpected character ${c}`, start);
  }
  tokens.push({ kind: 'end', text: '', position: source.length });
  return tokens;
}
