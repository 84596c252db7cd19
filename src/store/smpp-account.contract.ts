import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { isSwitchboardError } from '../core/errors.js';
import { migrate, openDatabase, type DatabaseHandle } from './database.js';
import { SmppAccountRepository } from './smpp-account-repository.js';
import { SubscriberRepository } from './subscriber-repository.js';

const PROFILE = { language: 'en', timeZone: 'UTC', currency: 'USD' };

/**
 * The SMPP account store's contract, passed by SQLite and PostgreSQL alike: one account per
 * system_id, found with its password hash for a bind, listed in order, removed once, and gone
 * with the subscriber it acts for.
 */
export function smppAccountContract(name: string, prepare: () => Promise<string | null>): void {
  describe(`SMPP account store contract: ${name}`, () => {
    let dataDir: string;
    let handle: DatabaseHandle;
    let accounts: SmppAccountRepository;
    let subscribers: SubscriberRepository;
    let ann: string;
    let bob: string;

    before(async () => {
      dataDir = mkdtempSync(join(tmpdir(), 'switchboard-smpp-contract-'));
      handle = openDatabase({ url: await prepare(), dataDir });
      await migrate(handle);
      accounts = new SmppAccountRepository(handle.db, handle.reader);
      subscribers = new SubscriberRepository(handle.db, handle.reader);
      ann = (await subscribers.create({ ...PROFILE, name: 'Ann', addresses: ['tel:+15550101'] }))
        .id;
      bob = (await subscribers.create({ ...PROFILE, name: 'Bob', addresses: ['tel:+15550102'] }))
        .id;
    });
    after(async () => {
      await handle.close();
      rmSync(dataDir, { recursive: true, force: true });
    });

    test('a created account is found by system_id with its hash, and listed', async () => {
      const created = await accounts.createSmppAccount({
        systemId: 'crm',
        passwordHash: 'scrypt$1$2$3$salt$hash',
        subscriberId: ann,
        sourceAddresses: ['+15550101', '+1555099*'],
        throughput: 20,
      });
      assert.equal(created.systemId, 'crm');
      assert.deepEqual(created.sourceAddresses, ['+15550101', '+1555099*']);
      const found = await accounts.findSmppAccount('crm');
      assert.deepEqual(found, { account: created, passwordHash: 'scrypt$1$2$3$salt$hash' });
      assert.equal(await accounts.findSmppAccount('CRM'), null, 'system_id is exact');
      assert.equal(await accounts.findSmppAccount('nobody'), null);
    });

    test('a taken system_id is a conflict; the list is ordered by system_id', async () => {
      await assert.rejects(
        accounts.createSmppAccount({
          systemId: 'crm',
          passwordHash: 'x',
          subscriberId: bob,
          sourceAddresses: [],
          throughput: 1,
        }),
        (err: unknown) => isSwitchboardError(err) && err.kind === 'conflict',
      );
      await accounts.createSmppAccount({
        systemId: 'alerts',
        passwordHash: 'y',
        subscriberId: bob,
        sourceAddresses: [],
        throughput: 5,
      });
      const listed = await accounts.listSmppAccounts();
      assert.deepEqual(
        listed.map((a) => [a.systemId, a.subscriberId, a.throughput]),
        [
          ['alerts', bob, 5],
          ['crm', ann, 20],
        ],
      );
    });

    test('removing deletes once; removing the subscriber removes its accounts', async () => {
      assert.equal(await accounts.deleteSmppAccount('crm'), true);
      assert.equal(await accounts.deleteSmppAccount('crm'), false);
      assert.equal(await accounts.findSmppAccount('crm'), null);
      assert.equal(await subscribers.delete(bob), true);
      assert.deepEqual(await accounts.listSmppAccounts(), []);
    });
  });
}
