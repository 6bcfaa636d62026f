/** Keys whose values are secrets wherever they appear in the config. */
export const SECRET_KEYS = new Set([
  'secret',
  'token',
  'bot_token',
  'app_token',
  'signing_secret',
  'api_key',
  'app_key',
  'api_token',
  'pat',
  'personal_access_token',
  'password',
  'sentinel_password',
  'app_password',
  'client_secret',
  'routing_key',
  'bearer_token',
  'dsn',
  'webhook_url',
]);

/** Values under these keys are all secret (HTTP headers usually carry credentials). */
const SECRET_CONTAINERS = new Set(['headers']);

/** Every secret string in a config tree, longest first so redaction replaces whole values. */
export function collectSecrets(tree: unknown): string[] {
  const found = new Set<string>();
  const walk = (node: unknown, secretContext: boolean) => {
    if (typeof node === 'string') {
      // Very short values (a bare "Bearer ") would blank ordinary words out of every log line.
      if (secretContext && node.trim().length >= 8) {
        found.add(node);
        // "Bearer <token>": the credential alone must be redacted too, wherever it turns up.
        for (const part of node.split(/\s+/)) if (part.length >= 8) found.add(part);
      }
      return;
    }
    if (Array.isArray(node)) {
      for (const item of node) walk(item, secretContext);
      return;
    }
    if (node !== null && typeof node === 'object') {
      for (const [key, value] of Object.entries(node)) {
        walk(value, secretContext || SECRET_KEYS.has(key) || SECRET_CONTAINERS.has(key));
      }
    }
  };
  walk(tree, false);
  return [...found].sort((a, b) => b.length - a.length);
}
