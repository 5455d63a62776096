import { authMeOperation } from '../../lib/contract.js';
import { api } from '../../lib/api.js';

export const handler = api(authMeOperation, ({ caller, actor }) => ({
  kind: caller!.kind,
  login: caller!.kind === 'person' ? caller!.login : caller!.kind,
  admin: caller!.kind === 'admin' || (caller!.kind === 'person' && caller!.admin),
  actor: actor!,
}));
