import { z } from 'zod';
import {
  type ConnectorDefinition,
  isDelivered,
  isEnabled,
  type RequirementContext,
  requiredKey,
} from '../connectors/definition.js';
import type { ConfigProblem } from '../core/errors.js';

/** `integrations:` as an object type: each definition's block under its name, every block optional. */
export type IntegrationsShape<Definitions extends readonly ConnectorDefinition[]> = {
  [D in Definitions[number] as D['name']]: z.ZodOptional<D['schema']>;
};

/** The strict `integrations:` schema, one optional block per definition. */
export function buildIntegrationsSchema<const Definitions extends readonly ConnectorDefinition[]>(
  definitions: Definitions,
) {
  const shape: Record<string, z.ZodOptional> = {};
  for (const definition of definitions) shape[definition.name] = definition.schema.optional();
  // The loop builds exactly the mapped type; TypeScript cannot follow a loop over a tuple.
  return z.strictObject(shape as IntegrationsShape<Definitions>);
}

/** `[integrations.<name>.<key>, VARIABLE]` for every environment fallback the definitions name. */
export function integrationEnvironmentDefaults(
  definitions: readonly ConnectorDefinition[],
): Array<readonly [path: string, variable: string]> {
  return definitions.flatMap((definition) =>
    Object.entries(definition.environment).map(
      ([key, variable]) => [`integrations.${definition.name}.${key}`, variable] as const,
    ),
  );
}

/**
 * The required-when-enabled problems of every enabled block that this version delivers, with
 * full key paths. These stop notifications today, so they are errors.
 */
export function integrationRequirements(
  integrations: { readonly [name: string]: unknown },
  context: RequirementContext,
  definitions: readonly ConnectorDefinition[],
): ConfigProblem[] {
  return definitions
    .filter(isDelivered)
    .flatMap((definition) => requirementsOf(definition, integrations, context));
}

/**
 * What enabled blocks of integrations this version does not deliver yet will require once they
 * are delivered. Nothing is sent to them today, so a config written from the guide must not
 * fail over them: `validate` shows these as notices, e.g. `integrations.github_projects.token
 * will be required when github_projects is delivered (ticketing, step 3)`.
 */
export function deferredIntegrationRequirements(
  integrations: { readonly [name: string]: unknown },
  context: RequirementContext,
  definitions: readonly ConnectorDefinition[],
): ConfigProblem[] {
  return definitions
    .filter((definition) => !isDelivered(definition))
    .flatMap((definition) => {
      const when = `when ${definition.name} is delivered (${definition.arrives ?? 'a later version'})`;
      return requirementsOf(definition, integrations, context).map((problem) => ({
        ...problem,
        message:
          problem.message === REQUIRED_WHEN_ENABLED
            ? `will be required ${when}`
            : `${problem.message}, which will matter ${when}`,
      }));
    });
}

const REQUIRED_WHEN_ENABLED = requiredKey('', '').message;

/**
 * What enabled, delivered integrations wait for before they do anything (`waitsFor`), as notices:
 * e.g. `integrations.github_projects.token is not set: github_projects stays idle until it is`.
 */
export function idleIntegrationNotices(
  integrations: { readonly [name: string]: unknown },
  definitions: readonly ConnectorDefinition[],
): ConfigProblem[] {
  return definitions.filter(isDelivered).flatMap((definition) =>
    waitingFor(definition, integrations[definition.name]).map((problem) => ({
      ...problem,
      path: `integrations.${definition.name}.${problem.path}`,
      message: `is not set: ${definition.name} stays idle (nothing is sent to it) until it is`,
    })),
  );
}

function waitingFor(definition: ConnectorDefinition, block: unknown): ConfigProblem[] {
  if (!definition.waitsFor || !isEnabled(block)) return [];
  return definition.waitsFor(block);
}

function requirementsOf(
  definition: ConnectorDefinition,
  integrations: { readonly [name: string]: unknown },
  context: RequirementContext,
): ConfigProblem[] {
  const block = integrations[definition.name];
  if (!definition.requires || !isEnabled(block)) return [];
  return definition.requires(block, context).map((problem) => ({
    ...problem,
    path: `integrations.${definition.name}.${problem.path}`,
  }));
}

/** How `threadline validate` lists the enabled integrations, e.g. `slack, jira (not delivered …)`. */
export function describeEnabledIntegrations(
  integrations: { readonly [name: string]: unknown },
  definitions: readonly ConnectorDefinition[],
): string[] {
  return definitions.flatMap((definition) => {
    const block = integrations[definition.name];
    if (!isEnabled(block)) return [];
    const label = definition.describe?.(block) ?? definition.name;
    if (!isDelivered(definition)) return [`${label} (not delivered by this version)`];
    const missing = waitingFor(definition, block).map((problem) => problem.path);
    return [missing.length > 0 ? `${label} (idle until ${missing.join(' and ')} are set)` : label];
  });
}
