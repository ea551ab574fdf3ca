import { Component, Suspense, type ErrorInfo, type ReactNode } from 'react';

interface LoadBoundaryProps {
  /** What is loading, for the sentences: "editor". */
  readonly what: string;
  readonly testId?: string;
  readonly children: ReactNode;
}

interface LoadBoundaryState {
  readonly error: Error | null;
}

/**
 * A part of the window that loads its code on demand (Monaco and its workers): a quiet placeholder while it loads,
 * and, if the load fails (the core stopped mid-download, a network error), a sentence in its place. Without it a
 * failed chunk unmounts the whole window, the core-link cover included, and the page is left blank.
 */
export class LoadBoundary extends Component<LoadBoundaryProps, LoadBoundaryState> {
  override state: LoadBoundaryState = { error: null };

  static getDerivedStateFromError(error: unknown): LoadBoundaryState {
    return { error: error instanceof Error ? error : new Error(String(error)) };
  }

  override componentDidCatch(error: Error, info: ErrorInfo): void {
    console.warn(`The ${this.props.what} could not be loaded`, error, info.componentStack);
  }

  override render(): ReactNode {
    const { what, testId, children } = this.props;
    if (this.state.error) {
      return (
        <div className="load-failed" role="alert" data-testid={testId ? `${testId}-failed` : undefined}>
          The {what} could not be loaded ({this.state.error.message}).{' '}
          {/* React keeps a failed lazy import as failed, so only a fresh page loads it again. */}
          <button type="button" className="link" onClick={() => location.reload()}>
            Reload the window
          </button>
        </div>
      );
    }
    return (
      <Suspense
        fallback={
          <div className="editor-loading" data-testid={testId}>
            Loading {what}…
          </div>
        }
      >
        {children}
      </Suspense>
    );
  }
}
