/** The operations endpoints (ops.ts) on an API process's Express app. */
import { Router } from 'express';
import { opsEndpoints, type OpsDeps } from './ops';

export function opsRouter(deps: OpsDeps): Router {
  const r = Router();
  for (const [path, endpoint] of opsEndpoints(deps)) {
    r.get(path, async (req, res) => {
      const a = await endpoint(req.get('authorization'));
      res.status(a.status).set(a.headers ?? {}).type(a.contentType).send(a.body);
    });
  }
  return r;
}
