import { render } from 'preact';
import { ErrorBoundary, lazy, LocationProvider, Route, Router } from 'preact-iso';
import { Layout } from './components/Layout';
import { AuthProvider } from './lib/auth';
import { MarketsPage } from './pages/Markets';
import './styles.css';

const MarketPage = lazy(() => import('./pages/Market').then((m) => m.MarketPage));
const AssetPage = lazy(() => import('./pages/Asset').then((m) => m.AssetPage));
const RankingsPage = lazy(() => import('./pages/Rankings').then((m) => m.RankingsPage));
const MetricsPage = lazy(() => import('./pages/Metrics').then((m) => m.MetricsPage));
const AlertsPage = lazy(() => import('./pages/Alerts').then((m) => m.AlertsPage));
const AdminPage = lazy(() => import('./pages/Admin').then((m) => m.AdminPage));
const LoginPage = lazy(() => import('./pages/Login').then((m) => m.LoginPage));

function NotFound() {
  return (
    <div class="py-16 text-center">
      <h1 class="text-2xl font-bold">Page not found</h1>
      <p class="mt-2 text-slate-500"><a class="underline" href="/">Back to the markets</a></p>
    </div>
  );
}

function App() {
  return (
    <LocationProvider>
      <AuthProvider>
        <Layout>
          <ErrorBoundary>
            <Router>
              <Route path="/" component={MarketsPage} />
              <Route path="/markets/:id" component={MarketPage} />
              <Route path="/assets/:asset" component={AssetPage} />
              <Route path="/rankings" component={RankingsPage} />
              <Route path="/explorer" component={MetricsPage} />
              <Route path="/alerts" component={AlertsPage} />
              <Route path="/admin" component={AdminPage} />
              <Route path="/admin/:tab" component={AdminPage} />
              <Route path="/login" component={LoginPage} />
              <Route default component={NotFound} />
            </Router>
          </ErrorBoundary>
        </Layout>
      </AuthProvider>
    </LocationProvider>
  );
}

const root = document.getElementById('app')!;
root.textContent = ''; // the static "Loading Wick…" placeholder
render(<App />, root);
