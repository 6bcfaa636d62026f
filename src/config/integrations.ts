import { z } from 'zod';
import {
  type ConnectorDefinition,
  isDelivered,
  isEnabled,
  type RequirementContext,
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
 * The required-when-enabled problems of every enabled block, with full key paths. Integrations
 * this version delivers come first: those are the problems that stop notifications today.
 */
export function integrationRequirements(
  integrations: { readonly [name: string]: unknown },
  context: RequirementContext,
  definitions: readonly ConnectorDefinition[],
): ConfigProblem[] {
  const ordered = [...definitions.filter(isDelivered), ...definitions.filter((d) => !isDelivered(d))];
  return ordered.flatMap((definition) => {
    const block = integrations[definition.name];
    if (!definition.requires || !isEnabled(block)) return [];
    return definition.requires(block, context).map((problem) => ({
      ...problem,
      path: `integrations.${definition.name}.${problem.path}`,
    }));
  });
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
    return [isDelivered(definition) ? label : `${label} (not delivered by this version)`];
  });
}
