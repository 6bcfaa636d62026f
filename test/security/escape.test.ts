import { describe, expect, it } from 'vitest';
import {
  ELLIPSIS,
  escapeDiscord,
  escapeHtml,
  escapeSlack,
  escapeTeams,
  fitEscaped,
  headerSafe,
  safeLinkUrl,
  scrubError,
  truncate,
  urlSecrets,
} from '../../src/security/escape.js';

const ZWSP = '\u200B';

describe('escapeSlack', () => {
  it('turns Slack control sequences into plain text', () => {
    for (const attack of [
      '<!here>',
      '<!channel>',
      '<!everyone>',
      '<@U123ABC>',
      '<!subteam^S123>',
      '<#C123>',
    ]) {
      const out = escapeSlack(attack);
      expect(out).not.toContain('<');
      expect(out).not.toContain('>');
    }
    expect(escapeSlack('<!here>')).toBe('&lt;!here&gt;');
  });

  it('cannot be made to produce a disguised link', () => {
    expect(escapeSlack('<http://evil.example|ok>')).toBe('&lt;http://evil.example|ok&gt;');
  });

  it('escapes an ampersand first so pre-escaped entities stay literal', () => {
    expect(escapeSlack('&lt;!here&gt;')).toBe('&amp;lt;!here&amp;gt;');
  });

  it('breaks literal @channel, @here and @everyone with a zero-width space', () => {
    expect(escapeSlack('ping @channel and @here and @everyone')).toBe(
      `ping @${ZWSP}channel and @${ZWSP}here and @${ZWSP}everyone`,
    );
    expect(escapeSlack('mail me at dev@channels.example')).toBe('mail me at dev@channels.example');
  });

  it('drops control characters but keeps newlines', () => {
    expect(escapeSlack('a\u0000b\r\nc\u0007')).toBe('ab\nc');
  });
});

describe('escapeDiscord', () => {
  it('never lets text ping @everyone or @here', () => {
    const out = escapeDiscord('@everyone look @here');
    expect(out).not.toMatch(/@everyone|@here/);
    expect(out.replaceAll(ZWSP, '')).toBe('@everyone look @here');
  });

  it('neutralises user, role, channel and command mentions', () => {
    for (const attack of ['<@123456>', '<@!123456>', '<@&987654>', '<#555>', '</deploy:123>']) {
      expect(escapeDiscord(attack)).not.toMatch(/<[@#/]/);
    }
  });

  it('cannot form a masked link', () => {
    const out = escapeDiscord('[click](http://evil.example)');
    expect(out).toBe('\\[click\\]\\(http://evil.example\\)');
    expect(out).not.toMatch(/(?<!\\)\[[^\]]*(?<!\\)\]\(/);
  });

  it('escapes emphasis, spoilers, code and line-start headings and quotes', () => {
    expect(escapeDiscord('**bold** __u__ ~~s~~ ||spoiler|| `code`')).toBe(
      '\\*\\*bold\\*\\* \\_\\_u\\_\\_ \\~\\~s\\~\\~ \\|\\|spoiler\\|\\| \\`code\\`',
    );
    expect(escapeDiscord('# Heading\n> quote\n-# small')).toBe('\\# Heading\n\\> quote\n\\-# small');
    expect(escapeDiscord('spec/feat-0001 #42')).toBe('spec/feat-0001 #42');
  });
});

describe('escapeTeams', () => {
  it('cannot form a masked link', () => {
    expect(escapeTeams('[click](http://evil.example)')).toBe('\\[click\\]\\(http://evil.example\\)');
  });

  it('neutralises <at> mentions and HTML', () => {
    const out = escapeTeams('<at>Everyone</at> <b>x</b>');
    expect(out).not.toMatch(/<[a-z/]/i);
    expect(out.replaceAll(ZWSP, '')).toBe('<at>Everyone</at> <b>x</b>');
  });

  it('escapes emphasis and line-start list markers', () => {
    expect(escapeTeams('**x** _y_')).toBe('\\*\\*x\\*\\* \\_y\\_');
    expect(escapeTeams('- item\n1. first')).toBe('\\- item\n1\\. first');
  });
});

describe('escapeHtml', () => {
  it('renders a script tag as text', () => {
    expect(escapeHtml('<script>alert("x")</script>')).toBe(
      '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;',
    );
  });

  it('is safe inside attributes', () => {
    expect(escapeHtml(`" onmouseover='x'`)).toBe('&quot; onmouseover=&#39;x&#39;');
  });
});

describe('headerSafe', () => {
  it('keeps a header on one line', () => {
    expect(headerSafe('Subject\r\nBcc: victim@example.com')).toBe('Subject Bcc: victim@example.com');
  });
});

describe('safeLinkUrl', () => {
  it('accepts only http and https', () => {
    expect(safeLinkUrl('javascript:alert(1)')).toBeUndefined();
    expect(safeLinkUrl('data:text/html,x')).toBeUndefined();
    expect(safeLinkUrl('not a url')).toBeUndefined();
    expect(safeLinkUrl('https://github.com/org/repo/pull/42')).toBe('https://github.com/org/repo/pull/42');
  });

  it('encodes the characters that would end a link in any markup', () => {
    const out = safeLinkUrl('https://x.example/a|b)c]d>e"f') ?? '';
    expect(out).not.toMatch(/[|)\]>"<([]/);
    expect(out).toBe('https://x.example/a%7Cb%29c%5Dd%3Ee%22f');
  });
});

describe('truncation', () => {
  it('shows that text was cut', () => {
    expect(truncate('abcdefghij', 5)).toBe(`abcd${ELLIPSIS}`);
    expect(truncate('abc', 5)).toBe('abc');
  });

  it('never splits a surrogate pair', () => {
    const out = truncate('😀😀😀😀', 4);
    expect(out).toBe(`😀${ELLIPSIS}`);
  });

  it('fits escaped text without cutting an escape sequence in half', () => {
    const raw = '<<<<<<<<<<';
    const out = fitEscaped(raw, 14, escapeSlack);
    expect(out.length).toBeLessThanOrEqual(14);
    expect(out).toBe(`&lt;&lt;&lt;${ELLIPSIS}`);
    expect(fitEscaped('short', 14, escapeSlack)).toBe('short');
  });
});

describe('markdown that only matters at a line start', () => {
  it('leaves "#42" and mid-line dashes alone but escapes real headings and list markers', () => {
    expect(escapeDiscord('#42')).toBe('#42');
    expect(escapeTeams('#42 spec/feat-0001')).toBe('#42 spec/feat-0001');
    expect(escapeDiscord('## Title')).toBe('\\## Title');
    expect(escapeTeams('+ item')).toBe('\\+ item');
  });
});

describe('secrets in error messages', () => {
  it('finds the credential-bearing parts of a webhook URL', () => {
    const secrets = urlSecrets(
      'https://hooks.slack.com/services/T0123456789/B0123456789/abcdefghijklmnopqrstuvwx',
    );
    expect(secrets).toContain('abcdefghijklmnopqrstuvwx');
    expect(secrets).toContain('/services/T0123456789/B0123456789/abcdefghijklmnopqrstuvwx');
    expect(secrets).not.toContain('services');
  });

  it('finds signed query parameters of a workflow URL', () => {
    const url =
      'https://prod.westus.logic.azure.com/workflows/abc/triggers/manual/paths/invoke?api-version=2016-06-01&sig=S1gn4tureS1gn4tureS1gn4ture';
    expect(urlSecrets(url)).toContain('S1gn4tureS1gn4tureS1gn4ture');
  });

  it('removes them from an error message in place', () => {
    const error = new Error('rejected: echo of /services/T0/B0/abcdefghijklmnopqrstuvwx');
    expect(scrubError(error, ['abcdefghijklmnopqrstuvwx'])).toBe(error);
    expect(error.message).toBe('rejected: echo of /services/T0/B0/[redacted]');
  });
});
