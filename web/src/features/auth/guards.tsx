import { useEffect } from 'react';
import { Navigate, Outlet, useLocation } from 'react-router';
import { FullPageError, FullPageLoader } from '../../components/FullPageStatus';
import { useMe } from './session';
import { hasSignedInHere, markSignedInHere } from './visitMarker';

export const LOGIN_PATH = '/entrar';
export const REGISTER_PATH = '/cadastro';
export const HOME_PATH = '/';

/**
 * Renders the nested routes only for a signed-in person. Everyone else goes to /entrar if
 * someone has signed in on this browser before, else to /cadastro: a first visit starts
 * at sign-up (visitMarker.ts).
 */
export function RequireAuth() {
  const me = useMe();
  const location = useLocation();
  const signedIn = Boolean(me.data);
  // A session from before the marker existed counts too.
  useEffect(() => {
    if (signedIn) markSignedInHere();
  }, [signedIn]);
  if (me.isPending) return <FullPageLoader />;
  if (me.isError) return <FullPageError error={me.error} onRetry={() => void me.refetch()} />;
  if (me.data === null) {
    const to = hasSignedInHere() ? LOGIN_PATH : REGISTER_PATH;
    return <Navigate to={to} replace state={{ from: location.pathname }} />;
  }
  return <Outlet />;
}

/** Where to go after signing in: the protected page that sent the person here, if any. */
function returnPath(state: unknown): string {
  if (typeof state === 'object' && state !== null && 'from' in state) {
    const from = (state as { from: unknown }).from;
    // Only same-app paths; never "//host" or an absolute URL.
    if (typeof from === 'string' && from.startsWith('/') && !from.startsWith('//')) return from;
  }
  return HOME_PATH;
}

/**
 * Login and registration are for visitors; a signed-in person is sent on. This is also
 * what moves the person to the dashboard right after a successful login or registration,
 * because those store the user in the ['me'] query.
 */
export function GuestOnly() {
  const me = useMe();
  const location = useLocation();
  if (me.isPending) return <FullPageLoader />;
  // If /api/me is unreachable the forms still render; submitting will say what is wrong.
  if (me.data) return <Navigate to={returnPath(location.state)} replace />;
  return <Outlet />;
}
