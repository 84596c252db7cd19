import { deliveryContract } from './delivery.contract.js';
import { greetingContract } from './greeting.contract.js';
import { ivmContract } from './ivm.contract.js';
import { noticeContract } from './notice.contract.js';
import { smppAccountContract } from './smpp-account.contract.js';
import { storeContract } from './store.contract.js';

// SQLite: the embedded default, a fresh file in the contract's temporary data folder.
storeContract('SQLite', async () => null);
deliveryContract('SQLite', async () => null);
greetingContract('SQLite', async () => null);
smppAccountContract('SQLite', async () => null);
noticeContract('SQLite', async () => null);
ivmContract('SQLite', async () => null);
