import { describe, expect, it } from 'vitest';
import { wikiBulletList, wikiText } from '../../src/connectors/jira/wiki.js';

describe('Jira wiki markup for plain text (Data Center)', () => {
  it('leaves ordinary text alone: hyphenated keys, sentences, times', () => {
    expect(wikiText('Spec FEAT-0001 (draft): tests failed at 10:42, 3 of 120.')).toBe(
      'Spec FEAT-0001 (draft): tests failed at 10:42, 3 of 120.',
    );
  });

  it('escapes what would open a macro, link, table or image anywhere in a line', () => {
    expect(wikiText('{code} [link] a|b !img!')).toBe('\\{code\\} \\[link\\] a\\|b \\!img\\!');
  });

  it('escapes list, heading-like and emphasis markers only where Jira reads them: at a word’s edge', () => {
    expect(wikiText('- item\n# numbered\n*bold* and _em_ but snake_case stays')).toBe(
      '\\- item\n\\# numbered\n\\*bold\\* and \\_em\\_ but snake_case stays',
    );
  });

  it('leaves a backslash single: doubled, Jira would read a line break', () => {
    expect(wikiText('C:\\builds\\run 9')).toBe('C:\\builds\\run 9');
  });

  it('keeps URLs whole, so Jira still links them', () => {
    expect(wikiText('Logs: https://ci.example.com/runs/9_a-b?x=[1]|y')).toBe(
      'Logs: https://ci.example.com/runs/9_a-b?x=[1\\]\\|y',
    );
  });

  it('writes acceptance criteria as a bullet list, one line each', () => {
    expect(wikiBulletList(['Users can log in', 'Sessions\nexpire'])).toBe(
      '* Users can log in\n* Sessions expire',
    );
  });
});
