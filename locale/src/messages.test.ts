// The message files are complete: every key in both languages (plural keys with every form the
// language's Intl.PluralRules needs: en one/other, vi other), and every key the pages and the
// CLI use exists. Keys in code are literals (t('a.b'), a ternary of literals, or a template
// `a.${x}` whose prefix must be an object in both languages), so a scan finds them all.
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LANGUAGES } from './language.js';
import { createTranslator, MESSAGES } from './translator.js';

const repo = resolve(import.meta.dirname, '..', '..');
const PLURAL = /_(zero|one|two|few|many|other)$/;

function flatten(tree: Record<string, unknown>, prefix = ''): Map<string, unknown> {
  const out = new Map<string, unknown>();
  for (const [k, v] of Object.entries(tree)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (v && typeof v === 'object') for (const [kk, vv] of flatten(v as Record<string, unknown>, key)) out.set(kk, vv);
    else out.set(key, v);
  }
  return out;
}

const flat = Object.fromEntries(LANGUAGES.map((l) => [l, flatten(MESSAGES[l])])) as Record<(typeof LANGUAGES)[number], Map<string, unknown>>;
const baseKeys = (l: (typeof LANGUAGES)[number]) => new Set([...flat[l].keys()].map((k) => k.replace(PLURAL, '')));
const pluralBases = (l: (typeof LANGUAGES)[number]) => new Set([...flat[l].keys()].filter((k) => PLURAL.test(k)).map((k) => k.replace(PLURAL, '')));
const hasKey = (l: (typeof LANGUAGES)[number], key: string) => flat[l].has(key) || flat[l].has(`${key}_other`);
const hasPrefix = (l: (typeof LANGUAGES)[number], prefix: string) => [...flat[l].keys()].some((k) => k.startsWith(`${prefix}.`));

function files(dir: string, ext: RegExp): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && ext.test(e.name) && !/\.test\.ts$/.test(e.name))
    .map((e) => join(e.parentPath, e.name));
}

/** Every message key named in the pages' HTML and scripts and in the CLI. */
function keysInCode(): { keys: Array<[string, string]>; prefixes: Array<[string, string]> } {
  const keys: Array<[string, string]> = [];
  const prefixes: Array<[string, string]> = [];
  for (const file of files(join(repo, 'dashboard', 'public'), /\.html$/)) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/data-i18n="([^"]+)"/g)) keys.push([file, m[1]!]);
    for (const m of text.matchAll(/data-i18n-attr="([^"]+)"/g)) for (const pair of m[1]!.split(';')) keys.push([file, pair.split(':')[1]!.trim()]);
  }
  const scripts = [...files(join(repo, 'dashboard', 'public', 'assets'), /\.js$/), ...files(join(repo, 'cli', 'src'), /\.ts$/)];
  for (const file of scripts) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/\bt\(\s*'([^'$]+)'/g)) keys.push([file, m[1]!]);
    for (const m of text.matchAll(/\bt\(\s*[^'"`(),]+\?\s*'([^']+)'\s*:\s*'([^']+)'/g)) keys.push([file, m[1]!], [file, m[2]!]);
    for (const m of text.matchAll(/\bt\(\s*`([A-Za-z0-9.-]+)\.\$\{/g)) prefixes.push([file, m[1]!]);
  }
  return { keys, prefixes };
}

describe('message files', () => {
  it.each(LANGUAGES)('%s has every key of every other language', (language) => {
    for (const other of LANGUAGES) {
      const missing = [...baseKeys(other)].filter((k) => !baseKeys(language).has(k));
      expect(missing, `${other} keys missing in ${language}`).toEqual([]);
    }
  });

  it.each(LANGUAGES)('%s has every plural form its plural rules need, and only those', (language) => {
    const categories = new Intl.PluralRules(language).resolvedOptions().pluralCategories;
    for (const base of new Set([...LANGUAGES.flatMap((l) => [...pluralBases(l)])])) {
      const forms = [...flat[language].keys()].filter((k) => k.replace(PLURAL, '') === base && PLURAL.test(k)).map((k) => PLURAL.exec(k)![1]);
      expect(forms.sort(), `${language} ${base}`).toEqual([...categories].sort());
    }
  });

  it('has no empty message and no key that is only in code', () => {
    for (const language of LANGUAGES) for (const [key, value] of flat[language]) expect(typeof value === 'string' && value.trim() !== '', `${language} ${key}`).toBe(true);
    const { keys, prefixes } = keysInCode();
    expect(keys.length).toBeGreaterThan(200);
    for (const language of LANGUAGES) {
      expect(keys.filter(([, key]) => !hasKey(language, key)).map(([file, key]) => `${file.slice(repo.length + 1)}: ${key}`), language).toEqual([]);
      expect(prefixes.filter(([, p]) => !hasPrefix(language, p)).map(([file, p]) => `${file.slice(repo.length + 1)}: ${p}.*`), language).toEqual([]);
    }
  });

  it('picks the plural form by Intl.PluralRules', () => {
    const en = createTranslator('en');
    const vi = createTranslator('vi');
    expect(en('common.metersOf', { matching: 1, count: 1 })).toBe('1 of 1 meter.');
    expect(en('common.metersOf', { matching: 2, count: 20 })).toBe('2 of 20 meters.');
    expect(vi('common.metersOf', { matching: 1, count: 1 })).toBe('1 trên 1 công tơ.');
    expect(vi('governance.freeze.title', { batchId: '7' })).toBe('Phong tỏa lô #7');
  });
});
