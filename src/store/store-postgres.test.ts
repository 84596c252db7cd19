import pg from 'pg';
import { deliveryContract } from './delivery.contract.js';
import { greetingContract } from './greeting.contract.js';
import { ivmContract } from './ivm.contract.js';
import { noticeContract } from './notice.contract.js';
import { smppAccountContract } from './smpp-account.contract.js';
import { storeContract } from './store.contract.js';

/**
 * PostgreSQL: the test command starts a throwaway server and sets SWITCHBOARD_TEST_DATABASE_URL.
 * Without it this fails rather than skips, so a green run always means both stores passed.
 */
async function emptyDatabase(): Promise<string> {
  const url = process.env.SWITCHBOARD_TEST_DATABASE_URL;
  if (!url)
    throw new Error(
      'SWITCHBOARD_TEST_DATABASE_URL is not set: run the suite with `npm test`, which starts PostgreSQL',
    );
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  // An empty schema each run, so the migrations are exercised from scratch.
  await client.query('DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public;');
  await client.end();
  return url;
}

storeContract('PostgreSQL', emptyDatabase);
deliveryContract('PostgreSQL', emptyDatabase);
greetingContract('PostgreSQL', emptyDatabase);
smppAccountContract('PostgreSQL', emptyDatabase);
noticeContract('PostgreSQL', emptyDatabase);
ivmContract('PostgreSQL', emptyDatabase);
