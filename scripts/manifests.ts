/**
 * `npm run manifests`: regenerates manifests/ from the command definitions and the example config,
 * exactly as the drift test (test/manifests) generates them: the config is read with an empty
 * environment, so nothing from the developer's shell leaks into the committed files.
 */
import { COMMANDS } from '../commands/index.js';
import { loadConfigFile } from '../src/config/load.js';
import { generateManifests, writeManifests } from '../src/manifests/index.js';

const { config } = loadConfigFile('examples/specs.config.yaml', {});
for (const file of writeManifests('manifests', generateManifests(config, COMMANDS)))
  console.log(`wrote ${file}`);
