import type { Migration, MigrationProvider } from 'kysely';
import type { Dialect } from '../schema.js';
import { initial } from './001-initial.js';
import { delivery } from './002-delivery.js';
import { mailAuth } from './003-mail-auth.js';
import { greetings } from './004-greetings.js';
import { pinLockout } from './005-pin-lockout.js';
import { sms } from './006-sms.js';
import { smppAccounts } from './007-smpp-accounts.js';
import { notices } from './008-notices.js';
import { serviceWelcomes } from './009-service-welcomes.js';
import { ivm } from './010-ivm.js';

/** One ordered set of migrations for both databases; a migration branches on dialect where SQL differs. */
export function migrationProvider(dialect: Dialect): MigrationProvider {
  return {
    async getMigrations(): Promise<Record<string, Migration>> {
      return {
        '001-initial': initial(dialect),
        '002-delivery': delivery(dialect),
        '003-mail-auth': mailAuth(dialect),
        '004-greetings': greetings(dialect),
        '005-pin-lockout': pinLockout(dialect),
        '006-sms': sms(dialect),
        '007-smpp-accounts': smppAccounts(dialect),
        '008-notices': notices(dialect),
        '009-service-welcomes': serviceWelcomes(dialect),
        '010-ivm': ivm(dialect),
      };
    },
  };
}
