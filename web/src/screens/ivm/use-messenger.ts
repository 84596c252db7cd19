import { useEffect, useState } from 'preact/hooks';
import type { Messenger, MessengerState } from '../../ivm/messenger';

/** The messenger's state, redrawn whenever it changes. */
export function useMessenger(messenger: Messenger): MessengerState {
  const [state, setState] = useState(messenger.state);
  useEffect(() => {
    setState(messenger.state);
    return messenger.subscribe(() => setState(messenger.state));
  }, [messenger]);
  return state;
}
