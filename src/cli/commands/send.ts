import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { basename, extname } from 'node:path';
import { ApiClient, clientSettings } from '../api-client.js';
import { print } from '../output.js';

const TYPES: Record<string, string> = {
  '.txt': 'text/plain',
  '.pdf': 'application/pdf',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.tif': 'image/tiff',
  '.tiff': 'image/tiff',
  '.wav': 'audio/wav',
  '.mp3': 'audio/mpeg',
  '.ogg': 'audio/ogg',
  '.opus': 'audio/ogg',
};

const collect = (value: string, previous: string[] = []) => [...previous, value];

export function registerSend(program: Command, env: NodeJS.ProcessEnv): void {
  program
    .command('send')
    .description(
      'send a message through the server (with the admin token, --from names the sending subscriber)',
    )
    .requiredOption('--to <address>', 'recipient; repeat for several', collect)
    .option('--from <address>', 'sending subscriber’s address')
    .option('--subject <text>', 'subject')
    .option('--text <text>', 'text body')
    .option('--type <type>', 'message type (text, email, voice, fax, sms, ...)')
    .option('--urgent', 'mark urgent')
    .option('--attach <file>', 'attach a file; repeat for several', collect)
    .option('--url <url>', 'server URL (SWITCHBOARD_URL; default from <data dir>/ports.json)')
    .option('--token <token>', 'admin token or session token (SWITCHBOARD_ADMIN_TOKEN)')
    .option('--data-dir <dir>', 'data folder holding ports.json')
    .option('--json', 'JSON output')
    .action(async (flags) => {
      const attachments = ((flags.attach as string[] | undefined) ?? []).map((file) => ({
        filename: basename(file),
        contentType: TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream',
        content: readFileSync(file).toString('base64'),
      }));
      const body = {
        to: flags.to,
        from: flags.from,
        subject: flags.subject,
        text: flags.text,
        type: flags.type,
        urgent: flags.urgent,
        attachments: attachments.length ? attachments : undefined,
      };
      const api = new ApiClient(clientSettings(flags, env));
      const result = await api.request<{ id: string; copies: unknown[]; deliveries: unknown[] }>(
        'POST',
        '/messages',
        body,
      );
      print(
        flags.json,
        result,
        () =>
          `sent ${result.id}: ${result.copies.length} mailbox copies, ${result.deliveries.length} deliveries`,
      );
    });
}
