import { useMutation } from '@tanstack/react-query';
import { useRef } from 'react';
import { isApiError } from '../../api/problem';
import { newIdempotencyKey } from '../../lib/idempotency';

interface SubmitCallbacks<R> {
  onSuccess?: (result: R) => void;
  onError?: (error: unknown) => void;
}

/**
 * A mutation for a form that moves money. The Idempotency-Key is made when the form
 * mounts (opens), sent unchanged with every attempt until one succeeds, then replaced, so
 * a retry after a lost answer replays the first result instead of posting twice. A
 * second submit while one is in flight is dropped before it reaches the network.
 */
export function useIdempotentMutation<I, R>(options: {
  mutationFn: (input: I, idempotencyKey: string) => Promise<R>;
  /** Runs even if the form has closed meanwhile (cache refreshes belong here). */
  onSuccess?: (result: R) => void | Promise<void>;
}) {
  const keyRef = useRef<string | null>(null);
  keyRef.current ??= newIdempotencyKey();
  const inFlight = useRef(false);

  const mutation = useMutation({
    mutationFn: ({ input, key }: { input: I; key: string }) => options.mutationFn(input, key),
    onSuccess: (result) => options.onSuccess?.(result),
  });

  const submit = (input: I, callbacks: SubmitCallbacks<R> = {}) => {
    if (inFlight.current) return;
    inFlight.current = true;
    const key = keyRef.current ?? newIdempotencyKey();
    keyRef.current = key;
    mutation.mutate(
      { input, key },
      {
        onSuccess: (result) => {
          keyRef.current = newIdempotencyKey();
          callbacks.onSuccess?.(result);
        },
        onError: (error) => {
          // The key already carried a different, completed request (its first attempt went
          // through unseen, then the form was changed): that key is spent.
          if (isApiError(error) && error.code === 'idempotency_key_reused') keyRef.current = newIdempotencyKey();
          callbacks.onError?.(error);
        },
        onSettled: () => {
          inFlight.current = false;
        },
      },
    );
  };

  /**
   * A new payload for the same opening (the person confirmed going negative: the body now
   * says allow_negative) takes a fresh key, made once here; its own retries then reuse it.
   */
  const renewKey = () => {
    keyRef.current = newIdempotencyKey();
  };

  return { submit, renewKey, isPending: mutation.isPending, error: mutation.error, reset: mutation.reset };
}
