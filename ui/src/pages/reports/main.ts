import { mount } from '../../lib/page'
import ReportsPage from './ReportsPage.vue'

mount(ReportsPage)
