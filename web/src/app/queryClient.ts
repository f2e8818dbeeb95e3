import { MutationCache, QueryCache, QueryClient } from '@tanstack/react-query';
import { isApiError } from '../api/problem';
import { ME_QUERY_KEY } from '../features/auth/session';

const QUERY_RETRIES_MAX = 2;

function isClientError(error: unknown): boolean {
  return isApiError(error) && error.status >= 400 && error.status < 500;
}

export function createQueryClient(): QueryClient {
  // A 401 from any call means the session is gone (expired or revoked elsewhere):
  // clearing ['me'] lets the route guard send the person to the login page.
  const onError = (error: unknown) => {
    if (isApiError(error) && error.status === 401 && error.code === 'unauthenticated') {
      queryClient.setQueryData(ME_QUERY_KEY, null);
    }
  };
  const queryClient: QueryClient = new QueryClient({
    queryCache: new QueryCache({ onError }),
    mutationCache: new MutationCache({ onError }),
    defaultOptions: {
      queries: {
        retry: (failureCount, error) => failureCount < QUERY_RETRIES_MAX && !isClientError(error),
      },
      mutations: { retry: false },
    },
  });
  return queryClient;
}
