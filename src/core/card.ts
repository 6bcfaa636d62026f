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
}
