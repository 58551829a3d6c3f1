import { i18n } from '../../i18n'
import en from '../../i18n/reports.en'
import zh from '../../i18n/reports.zh'
import { mount } from '../../lib/page'
import ReportsPage from './ReportsPage.vue'

// The reports strings travel with this page only.
i18n.global.mergeLocaleMessage('zh', { reports: zh })
i18n.global.mergeLocaleMessage('en', { reports: en })
mount(ReportsPage)
