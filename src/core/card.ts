/**
 * The neutral card every renderer (Block Kit, Adaptive Cards, Discord embeds, e-mail, console)
 * starts from. Text in `text`, `fields` and `title` may come from untrusted input: renderers
 * escape it for their platform. `mentions` come only from configuration and are emitted raw.
 */
export type CardSeverity = 'success' | 'failure' | 'warning' | 'info' | 'started';

export interface CardField {
  label: string;
  value: string;
  /** Short values render side by side where the platform allows it. */
  inline?: boolean;
}

export interface CardLink {
  label: string;
  url: string;
}

export interface CardAction {
  id: string;
  label: string;
  style?: 'primary' | 'danger' | 'default';
  value?: string;
  confirm?: { title: string; text: string; confirm: string; deny: string };
}

/**
 * Someone a card notifies, with their id on each platform (from the config's `people:` block).
 * A renderer mentions them where it has their id; `name` is for logs and the console.
 */
export interface CardPerson {
  name: string;
  slack?: string;
  discord?: string;
  teams?: { id: string; name: string };
}

export interface Card {
  title: string;
  severity: CardSeverity;
  text?: string;
  fields: CardField[];
  links: CardLink[];
  actions: CardAction[];
  footer?: string;
  /** Trusted mentions from config (e.g. `@channel` from mention_on_failure). */
  mentions?: string[];
  /** People to ping, each as a real mention on the platforms that know their id. */
  people?: CardPerson[];
}
