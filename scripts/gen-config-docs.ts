/**
 * Renders docs/configuration.md from the option table in src/config/options.ts, so that every
 * option is documented in one place and the page cannot drift from the loader.
 *
 *   node --import tsx scripts/gen-config-docs.ts    writes docs/configuration.md
 *
 * src/config/config-docs.test.ts fails when the committed page differs from this output.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { OPTIONS, type OptionSpec, type OptionType } from '../src/config/options.js';

/** Where the generated page lives. */
export const configurationDocPath = fileURLToPath(
  new URL('../docs/configuration.md', import.meta.url),
);

/** `httpPort` → `--http-port`: the same rule `switchboard start` uses for its flags. */
export function flagOf(spec: OptionSpec): string {
  const name = `--${spec.key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
  return spec.type === 'boolean' ? `${name} [bool]` : `${name} <value>`;
}

const UNITS: Array<[string, number]> = [
  ['g', 1024 ** 3],
  ['m', 1024 ** 2],
  ['k', 1024],
];

function shortSize(bytes: number): string | null {
  if (bytes === 0) return null;
  for (const [suffix, unit] of UNITS) if (bytes % unit === 0) return `${bytes / unit}${suffix}`;
  return null;
}

function defaultOf(spec: OptionSpec): string {
  const value = spec.default;
  if (value === null) return 'unset';
  if (Array.isArray(value)) return value.length === 0 ? 'empty' : `\`${value.join(',')}\``;
  if (spec.type === 'size' && typeof value === 'number') {
    const short = shortSize(value);
    return short ? `\`${short}\` (${value})` : `\`${value}\``;
  }
  return `\`${String(value)}\``;
}

const TYPE_NAMES: Record<OptionType, string> = {
  string: 'string',
  integer: 'integer',
  boolean: 'boolean',
  list: 'list',
  size: 'size',
};

/** Descriptions mention placeholders such as <data dir>, which Markdown would take for HTML. */
function prose(text: string): string {
  return text.replace(
    /<[^>]+>[^\s,;:)]*/g,
    (m) => `\`${m.replace(/\.$/, '')}\`${m.endsWith('.') ? '.' : ''}`,
  );
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|');
}

/** A Markdown table with padded columns, laid out as Prettier lays it out. */
function table(header: string[], rows: string[][]): string {
  const all = [header, ...rows].map((r) => r.map(cell));
  const widths = header.map((_, i) => Math.max(3, ...all.map((r) => r[i]!.length)));
  const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [
    line(all[0]!),
    `| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`,
    ...all.slice(1).map(line),
  ].join('\n');
}

export function renderConfigurationDoc(): string {
  const options = OPTIONS as readonly OptionSpec[];
  // Blocks (paragraphs, lists, tables, code) in order; a blank line goes between two blocks.
  const blocks: string[] = [];
  const p = (...newBlocks: string[]) => blocks.push(...newBlocks);
  const list = (...items: string[]) => items.join('\n');

  p(
    '# Configuration',
    '<!-- Generated from src/config/options.ts by scripts/gen-config-docs.ts; do not edit by hand. Run `node --import tsx scripts/gen-config-docs.ts` after changing an option. -->',
    'Switchboard reads one typed configuration object when it starts. Every option has an environment variable, a key in the optional configuration file and a flag of `switchboard start`; all three are listed below.',
  );

  p(
    '## Where settings come from',
    'Later sources win:',
    list(
      '1. the built-in defaults (the table below);',
      '2. the JSON file named by `SWITCHBOARD_CONFIG_FILE`, if that variable is set: an object whose keys are the option keys below (`httpPort`, not `SWITCHBOARD_HTTP_PORT`); an unknown key stops start-up with an error;',
      '3. environment variables; a variable set to the empty string counts as unset;',
      '4. flags of `switchboard start` (`npx switchboard start --http-port 0`).',
    ),
    'In the file, values may be JSON numbers, booleans and arrays, or strings written as in the environment:',
    list(
      '```json',
      '{ "httpPort": 8443, "domains": ["example.com"], "maxMessageBytes": "50m" }',
      '```',
    ),
  );

  p(
    '## Value types',
    list(
      '- **string**: taken as written.',
      '- **integer**: a whole number, 0 or more.',
      '- **size**: a number of bytes, or a number with the suffix `k`, `m` or `g` (powers of 1024; a trailing `b` is allowed and case does not matter): `512k`, `25m`, `1g`.',
      '- **boolean**: `true`, `1`, `yes`, `on`, or `false`, `0`, `no`, `off`. A boolean flag given alone (`--dynamic-mailboxes`) means true.',
      '- **list**: comma-separated in the environment and in flags (`a.example,b.example`), a JSON array in the file. Blanks around items are dropped.',
    ),
  );

  p(
    '## Ports',
    '`SWITCHBOARD_HTTP_PORT` of `0` lets the operating system pick a free port. The port in use is printed at start-up (`Switchboard listening on http://127.0.0.1:PORT`) and written, with the URL and the process id, to `<data dir>/ports.json`:',
    list('```json', '{ "http": 41237, "url": "http://127.0.0.1:41237", "pid": 12345 }', '```'),
    'The client commands (`switchboard send`, `switchboard subscriber ...`) find the server through that file when neither `--url` nor `SWITCHBOARD_URL` is given.',
  );

  p(
    '## Checks at start-up',
    'A value of the wrong type stops start-up with a message naming the variable, file key or flag. In addition:',
    list(
      '- `SWITCHBOARD_HTTP_PORT` must be at most 65535;',
      '- `SWITCHBOARD_TLS_CERT` and `SWITCHBOARD_TLS_KEY` must be set together;',
      '- each entry of `SWITCHBOARD_NUMBER_RANGES` must be an E.164 prefix such as `+1555`;',
      '- `SWITCHBOARD_ADMIN_TOKEN`, when set, must have at least 16 characters;',
      '- `SWITCHBOARD_DOMAINS` are lower-cased.',
    ),
  );

  p(
    '## Options',
    'Options marked secret hold a credential or key material, or the path to one: keep them out of shell history, logs and shared files, and give them to the service through an environment or configuration file that only its account can read.',
    table(
      ['Environment variable', 'File key', '`start` flag', 'Type', 'Default', 'Secret'],
      options.map((o) => [
        `\`${o.env}\``,
        `\`${o.key}\``,
        `\`${flagOf(o)}\``,
        TYPE_NAMES[o.type],
        defaultOf(o),
        o.secret ? 'yes' : '',
      ]),
    ),
  );

  for (const o of options) {
    const facts = [
      `- File key: \`${o.key}\``,
      `- Flag: \`${flagOf(o)}\``,
      `- Type: ${TYPE_NAMES[o.type]}`,
      `- Default: ${defaultOf(o)}`,
    ];
    if (o.secret) facts.push('- Secret: yes');
    p(`### ${o.env}`, prose(o.description), list(...facts));
  }

  p(
    '## Variables the client commands read',
    'The commands that talk to a running server (`send`, `subscriber ...`) do not use the table above. They take `--url`, `--token` and `--data-dir`, or else:',
    list(
      '- `SWITCHBOARD_URL`: the server URL; otherwise the `url` in `<data dir>/ports.json`;',
      '- `SWITCHBOARD_ADMIN_TOKEN`: the bearer token sent to the server;',
      '- `SWITCHBOARD_DATA_DIR`: where to look for `ports.json` (default `./data`).',
    ),
  );
  return blocks.join('\n\n') + '\n';
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  writeFileSync(configurationDocPath, renderConfigurationDoc());
  process.stdout.write(`wrote ${configurationDocPath}\n`);
}
