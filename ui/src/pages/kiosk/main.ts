import { mount } from '../../lib/page'
import KioskPage from './KioskPage.vue'

mount(KioskPage)
