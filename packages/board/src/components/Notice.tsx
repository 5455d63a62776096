import { useEffect } from 'preact/hooks';

export interface NoticeMessage {
  kind: 'ok' | 'error';
  text: string;
}

/** What just happened, in words: read out by screen readers (live region), errors stay until dismissed. */
export function Notice({ message, onDismiss }: { message?: NoticeMessage; onDismiss: () => void }) {
  useEffect(() => {
    if (message?.kind !== 'ok') return;
    const timer = setTimeout(onDismiss, 4000);
    return () => clearTimeout(timer);
  }, [message, onDismiss]);
  return (
    <div class="notice-region" aria-live="polite">
      {message && (
        <p class={`notice ${message.kind}`} role={message.kind === 'error' ? 'alert' : 'status'}>
          <span>{message.text}</span>
          <button type="button" class="link" onClick={onDismiss} aria-label="Dismiss message">
            ✕
          </button>
        </p>
      )}
    </div>
  );
}
