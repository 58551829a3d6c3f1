// The centre's page (`/central`, served by `hallq central`): a county or
// province manager's login, reports across halls and the upload of a
// station's exchange file. It carries the reports page's strings (the KPI
// table's columns and labels) and its own.
import { i18n } from '../../i18n'
import centralEn from '../../i18n/central.en'
import centralZh from '../../i18n/central.zh'
import en from '../../i18n/reports.en'
import zh from '../../i18n/reports.zh'
import { mount } from '../../lib/page'
import CentralPage from './CentralPage.vue'

i18n.global.mergeLocaleMessage('zh', { reports: zh, central: centralZh })
i18n.global.mergeLocaleMessage('en', { reports: en, central: centralEn })
mount(CentralPage)
